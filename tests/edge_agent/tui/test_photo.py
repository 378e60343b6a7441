"""Photo: real OCR on a generated photo, corrections, lookups, bad paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from edge_agent.answer.values import Route
from edge_agent.config import load_settings
from edge_agent.tui import make_app
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.correction import CorrectionScreen
from edge_agent.tui.screens.photos import PhotoScreen
from edge_agent.tui.screens.picker import PhotoPickerScreen, PhotoTree
from edge_agent.tui.widgets.answer_view import AnswerView
from tests.edge_agent.tui.conftest import offline_deps, settle, submit, wait_for
from tests.ocr_eval.generate import ImageTruth, generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def label_photo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImageTruth]:
    """One clean generated photo of a part label, and the codes printed on it."""
    folder = tmp_path_factory.mktemp("photos")
    (truth,) = generate(folder, count=1, seed=5, clean=True, scenes=("part_label",))
    return folder, truth


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_a_photo_is_read_corrected_and_looked_up(
    demo_home: Path, label_photo: tuple[Path, ImageTruth]
) -> None:
    folder, truth = label_photo
    (printed,) = [code.value for code in truth.codes]
    settings = load_settings(photos_dir=folder)
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, PhotoScreen)

        await submit(pilot, "#photo-path", "no-such-photo.jpg")
        await settle(pilot)
        state = str(screen.query_one("#ocr-state", Static).content)
        assert "no-such-photo.jpg" in state
        assert screen.query_one("#photo-path", Input).value == "no-such-photo.jpg"
        assert screen.result is None

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PhotoPickerScreen))
        tree = app.screen.query_one(PhotoTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 1)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.result is not None)
        await settle(pilot)

        table = screen.query_one("#codes", DataTable)
        (row,) = rows(table)
        assert row[:2] == ["part number", printed]
        assert row[3] == "known"
        assert row[2].endswith("%") and int(row[2][:-1]) >= 50
        assert row[4]  # the catalogue's description of the part

        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, CorrectionScreen))
        await submit(pilot, "#corrected", "E-42")
        await wait_for(pilot, lambda: screen.result.codes[0].value == "E-42")
        await settle(pilot)
        (row,) = rows(table)
        assert row[1:] == ["E-42", "100%", "corrected", "Motor overload trip"]
        detail = str(screen.query_one("#code-detail", Static).content)
        assert f"(corrected from {printed})" in detail

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        view = app.screen.query_one(AnswerView)
        await wait_for(pilot, lambda: view.finished)
        assert view.question == "E-42"
        assert view.answer is not None and view.answer.route is Route.CODE_LOOKUP
