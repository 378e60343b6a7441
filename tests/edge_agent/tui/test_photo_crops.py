"""Photo: a code read with low confidence is marked and shown with its crop,
beside the list and in the correction dialog; a sure code has none."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from textual.widgets import Static

from edge_agent.config import EdgeSettings
from edge_agent.ocr import LoadedEngine, TextBox
from edge_agent.tui import FieldApp, make_app
from edge_agent.tui.screens.correction import CorrectionScreen
from edge_agent.tui.screens.photos import PhotoScreen
from edge_agent.tui.widgets.code_crop import CodeCrop
from tests.edge_agent.ocr.samples import line_boxes
from tests.edge_agent.tui.conftest import offline_deps, settle, submit, wait_for
from tests.edge_agent.tui.test_photo_keys import codes


class UnsureEngine:
    """Reads a part number surely and a fault code poorly, on every photo.

    Why: the crops are shown only for codes read with low confidence, which a
    real engine gives only on photos made for it.
    """

    name = "unsure"
    max_side = 2000

    def read(self, image: object) -> list[TextBox]:
        sure, unsure = line_boxes(["P/N 4471-G10-131", "FAULT E-42"])
        return [sure, TextBox(unsure.text, unsure.box, 0.6)]


def unsure_engine(_name: str) -> LoadedEngine:
    return LoadedEngine(UnsureEngine())


def photo_app(settings: EdgeSettings, folder: Path) -> FieldApp:
    """The app with a photo whose second row (where E-42 is read) is black."""
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (640, 480), "white")
    ImageDraw.Draw(image).rectangle((10, 50, 250, 80), fill="black")
    image.save(folder / "label.png")
    with_photos = settings.model_copy(update={"photos_dir": folder})
    return make_app(with_photos, offline_deps(start_ocr=unsure_engine))


async def test_a_code_to_check_is_marked_and_shown_with_its_crop(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    app = photo_app(settings, tmp_path / "photos")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, PhotoScreen)
        await submit(pilot, "#photo-path", "label.png")
        await wait_for(pilot, lambda: screen.result is not None)
        await settle(pilot)

        assert codes(screen) == [("4471-G10-131", "known"), ("E-42", "CHECK THIS")]
        crop = screen.query_one("#code-crop", CodeCrop)
        assert not crop.display  # the part number was read surely: no crop
        detail = screen.query_one("#code-detail", Static)
        assert "CHECK THIS" not in str(detail.content)

        await pilot.press("down")
        await settle(pilot)
        text = str(detail.content)
        assert text.startswith("CHECK THIS: read with low confidence (60%)")
        assert "crop of the photo below; ctrl+e corrects it" in text
        assert crop.display and crop.crop is not None
        # E-42 was read at x 130..210, y 50..80, where the photo is black.
        assert crop.crop.convert("L").getextrema()[0] == 0
        assert crop.region.bottom <= 24 and crop.region.height >= 1  # on screen

        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, CorrectionScreen))
        shown = app.screen.query_one("#correction-crop", CodeCrop)
        assert shown.crop is crop.crop
        await submit(pilot, "#corrected", "E-43")
        await wait_for(pilot, lambda: codes(screen)[1] == ("E-43", "corrected"))
        await settle(pilot)

        assert not crop.display  # checked by hand: no longer to check
        assert "CHECK THIS" not in str(detail.content)
