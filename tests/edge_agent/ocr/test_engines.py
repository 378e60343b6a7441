"""Both real engines on generated photos whose codes are known."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from edge_agent.ocr import OcrEngine, PhotoReader, ReaderSettings, load_photo
from edge_agent.ocr.engine import Box, TextBox
from edge_agent.ocr.rapid import RapidOcrEngine
from edge_agent.ocr.tesseract import TesseractEngine
from knowledge_cache import KnowledgeStore
from tests.ocr_eval.generate import ImageTruth

pytestmark = pytest.mark.slow


@pytest.fixture(params=["rapidocr", "tesseract"])
def engine(
    request: pytest.FixtureRequest,
    rapid_engine: RapidOcrEngine,
    tesseract_engine: TesseractEngine,
) -> OcrEngine:
    """Each real engine in turn (both are installed by the project's set-up)."""
    return rapid_engine if request.param == "rapidocr" else tesseract_engine


MIN_RECALL = {"rapidocr": 1.0, "tesseract": 0.8}
"""Share of the codes on clean photos each engine must read (tesseract is the
light alternative: it misreads some mono-spaced screen fonts)."""


def test_codes_on_clean_photos_are_read_right_and_looked_up(
    engine: OcrEngine,
    clean_photos: tuple[Path, list[ImageTruth]],
    demo_store: KnowledgeStore,
) -> None:
    folder, truths = clean_photos
    reader = PhotoReader(engine, demo_store)
    expected_total = found_total = 0

    for truth in truths:
        result = reader.read(folder / truth.file)

        expected = {(c.kind, c.value) for c in truth.codes}
        found = {(c.kind.value, c.value) for c in result.codes}
        assert found <= expected, truth.file  # never a code that is not there
        expected_total, found_total = (
            expected_total + len(expected),
            found_total + len(found),
        )
        for code, lookup in zip(result.codes, result.lookups, strict=True):
            assert lookup.value == code.value and code.box is not None
            left, top, width, height = code.box.as_rect()
            assert left >= 0 and left + width <= result.width + 2
            assert top >= 0 and top + height <= result.height + 2
        table = {c.value: c.known for c in truth.codes if c.known is not None}
        assert all(table[c.value] == c.known for c in result.codes if c.value in table)

    assert found_total >= MIN_RECALL[engine.name] * expected_total


def test_engines_return_scored_boxes_inside_the_image(
    engine: OcrEngine, clean_photos: tuple[Path, list[ImageTruth]]
) -> None:
    folder, truths = clean_photos
    photo = load_photo(folder / truths[0].file, max_side=engine.max_side)

    boxes = engine.read(photo.image)

    assert boxes and all(box.text.strip() for box in boxes)
    assert all(0.0 <= box.score <= 1.0 for box in boxes)
    width, height = photo.image.size
    for box in boxes:
        left, top, w, h = box.box.as_rect()
        assert (
            left >= -2 and left + w <= width + 2 and top >= -2 and top + h <= height + 2
        )


def test_an_upside_down_photo_is_read_by_turning_it(
    engine: OcrEngine,
    clean_photos: tuple[Path, list[ImageTruth]],
    demo_store: KnowledgeStore,
    tmp_path: Path,
) -> None:
    folder, truths = clean_photos
    truth = truths[0]
    turned = tmp_path / "upside-down.png"
    Image.open(folder / truth.file).transpose(Image.Transpose.ROTATE_180).save(turned)

    # A generous budget: this is about turning, not about a busy test machine.
    reader = PhotoReader(
        engine, demo_store, settings=ReaderSettings(rotation_budget=60)
    )
    result = reader.read(turned)

    assert {c.value for c in result.codes} == {c.value for c in truth.codes}
    if result.rotation == 0:  # read box by box, turned (engines that can)
        assert all(c.box is not None and abs(c.box.angle) > 170 for c in result.codes)
    else:
        assert result.rotation == 180


def test_a_blank_photo_has_no_text_and_no_codes(
    engine: OcrEngine, demo_store: KnowledgeStore, tmp_path: Path
) -> None:
    blank = tmp_path / "blank.jpg"
    Image.new("RGB", (640, 480), (128, 130, 125)).save(blank)

    result = PhotoReader(engine, demo_store).read(blank)

    assert result.codes == () and result.text == ""


def test_a_tiny_image_is_read_without_error(
    engine: OcrEngine, demo_store: KnowledgeStore, tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (3, 900), "white").save(tiny)

    assert PhotoReader(engine, demo_store).read(tiny).codes == ()


def test_text_read_in_an_enlarged_crop_lands_back_on_the_photo() -> None:
    read = TextBox("E-42", Box(((20, 10), (60, 10), (60, 30), (20, 30))), 0.9)
    # Read in the crop whose corner is at (100, 50), enlarged twice.
    back = read.from_crop(100, 50, 2.0)
    assert back.box.points == ((110, 55), (130, 55), (130, 65), (110, 65))
    assert (back.text, back.score) == ("E-42", 0.9)
