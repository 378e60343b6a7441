"""The second look: doubtful regions read again, dot-peen marks joined."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from edge_agent.ocr import PhotoReader, ReaderSettings
from edge_agent.ocr.engine import Box, TextBox
from edge_agent.ocr.lines import group_lines
from edge_agent.ocr.rapid import RapidOcrEngine
from edge_agent.ocr.second_look import doubtful_regions, joined_marks, look_again
from knowledge_cache import KnowledgeStore
from tests.ocr_eval.hard import SPLITS, render
from tests.ocr_eval.marks import SegmentLook, dot_peen, segment_text
from tests.ocr_eval.scenes import font, load_pools


def _box(text: str, x: float, y: float, score: float, height: float = 20) -> TextBox:
    return TextBox(text, Box.from_rect(x, y, len(text) * height * 0.6, height), score)


def test_joined_marks_close_the_gaps_between_peened_dots() -> None:
    image = Image.new("RGB", (60, 20), (180, 180, 180))
    draw = ImageDraw.Draw(image)
    for x in range(5, 55, 3):
        draw.point((x, 10), fill=(40, 40, 40))

    joined = joined_marks(image).convert("L")

    row = [joined.getpixel((x, 10)) for x in range(6, 53)]
    assert max(row) < 60  # type: ignore[type-var]
    assert joined.getpixel((30, 2)) > 200  # type: ignore[operator]


def test_low_scores_and_bare_labels_are_doubtful_and_good_reads_are_not() -> None:
    boxes = [
        _box("HYDRAFLOW", 10, 10, 0.99),
        _box("S/N", 10, 50, 0.98),
        _box("4471-A2O-3B9", 10, 90, 0.55),
    ]
    lines = group_lines(boxes)

    regions = doubtful_regions(
        boxes, lines, (800, 200), below=0.8, holds_code=lambda _: False
    )

    covered = sorted(i for r in regions for i in r.covered)
    assert covered == [1, 2]
    label = next(r for r in regions if r.covered == (1,))
    assert label.right >= 10 + 36 + 12 * 20  # room for the value to the right


def test_a_region_read_again_replaces_its_poor_first_reading(
    rapid_engine: RapidOcrEngine,
) -> None:
    image = Image.new("RGB", (360, 80), "white")
    ImageDraw.Draw(image).text(
        (20, 25), "HFP-204518", font=font("DejaVuSans.ttf", 26), fill="black"
    )
    poor = TextBox("HFP-2O4", Box.from_rect(18, 22, 180, 34), 0.4)
    lines = group_lines([poor])
    regions = doubtful_regions(
        [poor], lines, image.size, below=0.8, holds_code=lambda _: False
    )

    again = look_again(rapid_engine, image, [poor], regions, holds_code=_no_code)

    assert poor not in again
    assert "HFP-204518" in " ".join(b.text for b in again)
    assert all(b.box.left >= 0 and b.box.right <= 360 for b in again)


def _no_code(text: str) -> bool:
    return False


class _ReadsAWord:
    """An engine whose second reading of any region is a confident word."""

    name, max_side = "scripted", 2000

    def read(self, image: Image.Image) -> list[TextBox]:
        return [TextBox("EQ", Box.from_rect(4, 4, 60, 30), 0.95)]


def test_a_second_reading_without_a_code_never_replaces_one_with_a_code() -> None:
    image = Image.new("RGB", (360, 140), "grey")
    faint = TextBox("E-42", Box.from_rect(80, 45, 120, 50), 0.5)
    regions = doubtful_regions(
        [faint], group_lines([faint]), image.size, below=0.8, holds_code=_no_code
    )
    assert regions  # the faint code is looked at again

    kept = look_again(
        _ReadsAWord(), image, [faint], regions, holds_code=lambda t: t == "E-42"
    )
    swapped = look_again(_ReadsAWord(), image, [faint], regions, holds_code=_no_code)

    assert kept == [faint]
    assert [b.text for b in swapped] == ["EQ"]  # no code either way: the better read


def _dot_peen_photo(path: Path) -> str:
    item = dot_peen(random.Random(7), load_pools(), dot_px=9.0)
    plate = item.image.resize(
        (item.image.width * 2 // 5, item.image.height * 2 // 5),
        Image.Resampling.LANCZOS,
    )
    photo = Image.new("RGB", (plate.width + 80, plate.height + 80), (90, 95, 100))
    photo.paste(plate, (40, 40), plate)
    photo.save(path)
    return item.texts[0].removeprefix("S/N ")


def test_a_dot_peen_serial_is_read_once_its_dots_are_joined(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    serial = _dot_peen_photo(tmp_path / "plate.png")
    # Budgets generous enough that a busy machine cannot change the outcome.
    plain = ReaderSettings(
        joined_marks=False,
        region_looks=False,
        plate_looks=False,
        rotation_budget=60,
        look_budget=60,
    )
    looking = replace(plain, region_looks=True, joined_marks=True)

    without = PhotoReader(rapid_engine, demo_store, settings=plain)
    with_look = PhotoReader(rapid_engine, demo_store, settings=looking)

    assert serial not in [c.value for c in without.read(tmp_path / "plate.png").codes]
    codes = with_look.read(tmp_path / "plate.png").codes
    assert serial in [c.value for c in codes]
    assert all(c.low_confidence for c in codes)
    assert "joined" in codes[0].notes[-1]


class _Scraps:
    """An engine that reads only a poor scrap, counting its readings."""

    name = "scripted"
    max_side = 2000

    def __init__(self) -> None:
        self.reads = 0

    def read(self, image: Image.Image) -> list[TextBox]:
        self.reads += 1
        return [_box("N0 C0DE", 20, 20, 0.5)]


def test_no_second_look_starts_once_the_time_budget_is_spent(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    Image.new("RGB", (400, 300), "white").save(tmp_path / "blank.png")
    engine = _Scraps()

    def ticks() -> float:  # one second per reading
        return float(engine.reads)

    spent = ReaderSettings(
        look_budget=0.5, rotation_budget=0.5, region_looks=True, joined_marks=True
    )
    PhotoReader(engine, demo_store, settings=spent, clock=ticks).read(
        tmp_path / "blank.png"
    )
    assert engine.reads == 1

    engine.reads = 0
    ample = ReaderSettings(
        look_budget=60, rotation_budget=0.5, region_looks=True, joined_marks=True
    )
    PhotoReader(engine, demo_store, settings=ample, clock=ticks).read(
        tmp_path / "blank.png"
    )
    assert engine.reads == 4  # first pass, its scrap, joined marks, their scrap


@pytest.mark.parametrize(
    ("lit", "face", "ghost"),
    [
        ((255, 48, 32), (18, 6, 6), 0.3),  # red LEDs on a dark face
        ((28, 34, 30), (178, 190, 168), 0.45),  # dark segments on a pale LCD face
    ],
    ids=["led", "lcd"],
)
def test_a_readout_with_faint_unlit_segments_is_read_cut_to_its_lit_ones(
    tmp_path: Path,
    rapid_engine: RapidOcrEngine,
    demo_store: KnowledgeStore,
    lit: tuple[int, int, int],
    face: tuple[int, int, int],
    ghost: float,
) -> None:
    readout = segment_text("E-73", SegmentLook(digit_px=60, ghost=ghost), lit, face)
    photo = Image.new("RGB", (readout.width + 100, readout.height + 100), "grey")
    photo.paste(readout, (50, 50))
    photo.save(tmp_path / "readout.png")
    first_only = ReaderSettings(
        region_looks=False, joined_marks=False, plate_looks=False
    )
    looking = ReaderSettings(
        rotation_budget=60, look_budget=60, region_looks=True, joined_marks=True
    )

    plain = PhotoReader(rapid_engine, demo_store, settings=first_only)
    second = PhotoReader(rapid_engine, demo_store, settings=looking)

    assert "E-73" not in [c.value for c in plain.read(tmp_path / "readout.png").codes]
    result = second.read(tmp_path / "readout.png")
    assert [c.value for c in result.codes] == ["E-73"]
    assert result.text == "E-73"


DEFOCUSED = 157
"""Photo of the hard set's tuning split: an engraved nameplate far out of
focus, in which the text detector finds no text at all."""


def test_a_photo_out_of_focus_is_read_sharpened_and_its_codes_marked(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    truth, photo = render(DEFOCUSED, SPLITS["tuning"][DEFOCUSED])
    assert truth.condition == "defocus"
    photo.save(tmp_path / "blurred.jpg", quality=85)  # as the hard set keeps it
    assert rapid_engine.read(Image.open(tmp_path / "blurred.jpg")) == []
    roomy = ReaderSettings(rotation_budget=60, look_budget=60)

    without = PhotoReader(
        rapid_engine, demo_store, settings=replace(roomy, sharpened_look=False)
    )
    sharpening = PhotoReader(rapid_engine, demo_store, settings=roomy)

    assert without.read(tmp_path / "blurred.jpg").codes == ()
    codes = sharpening.read(tmp_path / "blurred.jpg").codes
    serial = next(c.value for c in truth.codes if c.kind == "serial_number")
    assert serial in {c.value for c in codes}
    assert all(c.low_confidence and "sharpened" in c.notes[-1] for c in codes)
