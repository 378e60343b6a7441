"""Photo: typing goes to the path, a new photo replaces the last one's codes,
and a correction that changes nothing is not recorded."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import events
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Static

from edge_agent.config import EdgeSettings
from edge_agent.ocr import LoadedEngine
from edge_agent.tui import FieldApp, make_app
from edge_agent.tui.screens.correction import CorrectionScreen
from edge_agent.tui.screens.photos import PhotoScreen
from tests.edge_agent.tui.conftest import (
    LabelEngine,
    label_engine,
    offline_deps,
    photo_folder,
    settle,
    submit,
    wait_for,
)


class GatedEngine(LabelEngine):
    """Reads the label only once the test opens the gate.

    Why: what the screen does while a photo is being read (the technician
    typing on) needs a reading that takes as long as the test wants.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reading = threading.Event()
        self.gate = threading.Event()

    def read(self, image: object) -> list:
        self.reading.set()
        assert self.gate.wait(timeout=30)
        return super().read(image)


def photo_app(settings: EdgeSettings, folder: Path, engine=label_engine) -> FieldApp:
    with_photos = settings.model_copy(update={"photos_dir": photo_folder(folder)})
    return make_app(with_photos, offline_deps(start_ocr=engine))


async def read_label(pilot) -> PhotoScreen:
    await pilot.press("f2")
    screen = pilot.app.screen
    assert isinstance(screen, PhotoScreen)
    await submit(pilot, "#photo-path", "label.png")
    await wait_for(pilot, lambda: screen.result is not None)
    await settle(pilot)
    return screen


def codes(screen: PhotoScreen) -> list[tuple[str, str]]:
    table = screen.query_one("#codes", DataTable)
    return [
        (str(table.get_row_at(i)[1]), str(table.get_row_at(i)[3]))
        for i in range(table.row_count)
    ]


async def test_after_a_reading_typing_starts_a_new_path_and_fires_no_shortcut(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    app = photo_app(settings, tmp_path / "photos")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_label(pilot)
        assert screen.query_one("#codes", DataTable).has_focus

        await pilot.press("e", "l", "x")
        await pilot.pause()

        box = screen.query_one("#photo-path", Input)
        assert app.screen is screen  # no correction dialog opened
        assert box.has_focus
        assert box.value == "elx"


async def test_a_path_typed_in_a_burst_after_a_reading_arrives_whole(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    app = photo_app(settings, tmp_path / "photos")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_label(pilot)
        assert screen.query_one("#codes", DataTable).has_focus

        for letter in "elsewhere.jpg":  # all at once, as a terminal sends a paste
            app.post_message(events.Key(letter, letter))
        await pilot.pause()

        box = screen.query_one("#photo-path", Input)
        assert app.screen is screen
        assert box.value == "elsewhere.jpg"


async def test_the_path_keeps_the_focus_while_a_photo_is_read(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    engine = GatedEngine()
    app = photo_app(settings, tmp_path / "photos", lambda _name: LoadedEngine(engine))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, PhotoScreen)
        await submit(pilot, "#photo-path", "label.png")
        await wait_for(pilot, engine.reading.is_set)
        box = screen.query_one("#photo-path", Input)
        box.value = ""
        await pilot.press("n", "e", "x", "t")

        engine.gate.set()
        await wait_for(pilot, lambda: screen.result is not None)
        await settle(pilot)

        assert box.has_focus
        assert box.value == "next"
        assert codes(screen)  # the codes are listed all the same


async def test_an_unreadable_photo_replaces_the_codes_of_the_last_one(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    app = photo_app(settings, tmp_path / "photos")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_label(pilot)
        assert codes(screen)

        await submit(pilot, "#photo-path", "no-such-photo.jpg")
        await settle(pilot)

        state = str(screen.query_one("#ocr-state", Static).content)
        assert "no-such-photo.jpg" in state
        assert screen.result is None
        assert codes(screen) == []
        assert str(screen.query_one("#code-detail", Static).content) == ""


async def test_a_correction_that_changes_nothing_is_not_recorded(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    app = photo_app(settings, tmp_path / "photos")
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = await read_label(pilot)
        before = codes(screen)
        assert before[0] == ("4471-G10-131", "known")

        for typed in ("4471-G10-131", "4471g10131"):  # as read; as read, loosely
            await pilot.press("ctrl+e")
            await wait_for(pilot, lambda: isinstance(app.screen, CorrectionScreen))
            await submit(pilot, "#corrected", typed)
            await settle(pilot)
            assert codes(screen) == before
            assert notes[-1] == "4471-G10-131 is what was read: nothing corrected."

        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, CorrectionScreen))
        await submit(pilot, "#corrected", "4471-A20-339")
        await wait_for(pilot, lambda: codes(screen) != before)
        assert codes(screen)[0] == ("4471-A20-339", "corrected")
