"""The second look at plates: marks found, treated, read again."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance

from edge_agent.ocr import PhotoReader, ReadCode, ReaderSettings
from edge_agent.ocr.engine import Box, TextBox
from edge_agent.ocr.plates import (
    enlarged_view,
    find_plates,
    mark_depth,
    plate_view,
    read_plates,
)
from edge_agent.ocr.rapid import RapidOcrEngine
from knowledge_cache import KnowledgeStore
from tests.ocr_eval import effects
from tests.ocr_eval.marks import dot_peen
from tests.ocr_eval.scenes import load_pools

PLATE_SEED = 4
"""A plate with a serial and a part number the bare engine misses in this photo."""


def _plate_photo(seed: int = PLATE_SEED) -> tuple[Image.Image, list[str]]:
    """A small dot-peen plate (capitals 24 px high) in a dim, grainy 1600 px photo,
    among plain coloured shapes; with the strings struck on it."""
    item = dot_peen(random.Random(seed), load_pools())
    factor = 24 / item.rows[0][2]
    size = (round(item.image.width * factor), round(item.image.height * factor))
    plate = item.image.resize(size, Image.Resampling.LANCZOS)
    photo = Image.new("RGB", (1600, 1200), (60, 130, 110))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((100, 80, 700, 400), fill=(90, 160, 190))
    draw.rectangle((900, 700, 1500, 1100), fill=(120, 200, 140))
    photo.paste(plate, (800 - plate.width // 2, 600 - plate.height // 2), plate)
    photo = ImageEnhance.Brightness(photo).enhance(0.5)
    return effects.noise(random.Random(seed), photo, 6), item.texts


def _dots(spacing: int, *, size: tuple[int, int] = (200, 60)) -> Image.Image:
    """A row of 2 px dark dots on light metal grey."""
    image = Image.new("RGB", size, (180, 180, 180))
    draw = ImageDraw.Draw(image)
    for x in range(20, size[0] - 20, spacing):
        draw.rectangle((x, 30, x + 1, 31), fill=(60, 60, 60))
    return image


def test_small_dark_marks_are_deep_and_wide_dark_areas_are_not() -> None:
    image = Image.new("L", (80, 40), 200)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 18, 11, 19), fill=60)  # a punched dot
    draw.rectangle((40, 0, 79, 39), fill=60)  # a dark panel: its edge is no mark

    depth = mark_depth(image)

    assert depth[18, 10] == 140
    assert depth[5:35, 30:80].max() == 0
    assert depth[0:10, 0:30].max() == 0


def test_a_dot_peen_plate_is_found_where_it_lies() -> None:
    photo, _ = _plate_photo()

    plates = find_plates(photo)

    assert plates
    left, top, right, bottom = plates[0].rect
    assert left < 800 < right and top < 600 < bottom
    assert (right - left) * (bottom - top) < 0.1 * 1600 * 1200


def test_flat_photos_and_grain_everywhere_hold_no_plate() -> None:
    flat = Image.new("RGB", (800, 600), (90, 160, 190))
    grainy = effects.noise(random.Random(1), Image.new("RGB", (800, 600), "grey"), 40)

    assert find_plates(flat) == []
    assert find_plates(grainy) == []


def test_the_plate_view_joins_a_rows_dots_into_one_stroke() -> None:
    dots = _dots(4)
    gap = dots.convert("L").getpixel((23, 30))
    assert gap > 128  # type: ignore[operator]  # two light pixels between dots

    view = plate_view(dots).convert("L")

    assert view.size == (200, 60)
    row = [view.getpixel((x, 30)) for x in range(20, 178)]
    assert max(row) < 128  # type: ignore[type-var]  # no light gap left between dots
    assert view.getpixel((100, 10)) > 200  # type: ignore[operator]


def test_the_enlarged_view_is_twice_as_large_and_smoothed() -> None:
    view = enlarged_view(_dots(8)).convert("L")

    assert view.size == (400, 120)
    assert view.getpixel((41, 61)) < 100  # type: ignore[operator]  # a dot, dark
    between = view.getpixel((50, 61))  # midway to the next dot: still light
    assert between > 200  # type: ignore[operator]
    edge = view.getpixel((46, 61))  # beside a dot: blurred to a grey
    assert 60 < edge < 230  # type: ignore[operator]


def test_the_plate_view_is_scaled_by_the_factor_given() -> None:
    view = plate_view(_dots(4, size=(2000, 60)), 0.5)

    assert view.size == (1000, 30)


def test_a_plate_the_engine_misses_is_read_on_its_own(
    rapid_engine: RapidOcrEngine,
) -> None:
    photo, texts = _plate_photo()
    first = rapid_engine.read(photo)
    assert not any(texts[0] in box.text for box in first)

    boxes = read_plates(rapid_engine, photo, first)

    read = " ".join(box.text for box in boxes)
    assert all(text in read for text in texts)
    serial = next(box for box in boxes if texts[0] in box.text)
    assert 600 < serial.box.right < 1200 and 500 < serial.box.center[1] < 620


def test_a_poor_second_reading_leaves_the_first_in_place() -> None:
    class _Poor:
        name, max_side = "scripted", 2000

        def read(self, image: Image.Image) -> list[TextBox]:
            return [TextBox("S/N H?P", Box.from_rect(10, 10, 80, 20), 0.4)]

    photo, _ = _plate_photo()
    first = [TextBox("S/N HFP-418031", Box.from_rect(640, 560, 300, 30), 0.92)]

    assert read_plates(_Poor(), photo, first) == first


class _Counting:
    """The real engine, counting its readings (one second each, for the clock)."""

    def __init__(self, engine: RapidOcrEngine) -> None:
        self._engine = engine
        self.reads = 0
        self.name = engine.name
        self.max_side = engine.max_side

    def read(self, image: Image.Image) -> list[TextBox]:
        self.reads += 1
        return self._engine.read(image)

    def seconds(self) -> float:
        return float(self.reads)


def test_the_reader_reads_plates_only_when_asked_and_in_time(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    photo, texts = _plate_photo()
    photo.save(tmp_path / "plate.png")
    serial = texts[0].removeprefix("S/N ")
    # Only the plate look; a budget a busy machine cannot spend, turns left out.
    settings = ReaderSettings(
        region_looks=False,
        joined_marks=False,
        dewarp=False,
        look_budget=60,
        rotation_budget=0,
    )

    def codes(settings: ReaderSettings) -> list[ReadCode]:
        engine = _Counting(rapid_engine)
        reader = PhotoReader(
            engine, demo_store, settings=settings, clock=engine.seconds
        )
        return list(reader.read(tmp_path / "plate.png").codes)

    read = codes(settings)
    assert serial in [c.value for c in read]
    assert all(not c.low_confidence for c in read)  # read well, once enlarged
    assert codes(replace(settings, plate_looks=False)) == []
    assert codes(replace(settings, look_budget=0.5)) == []  # spent on the first pass


class _Unsure:
    """A scripted engine: a garbled first pass, then a plate read no better
    than fair (a code from one low-scoring reading)."""

    name, max_side = "scripted", 2000

    def __init__(self) -> None:
        self.reads = 0

    def read(self, image: Image.Image) -> list[TextBox]:
        self.reads += 1
        if self.reads == 1:
            return [TextBox("S/N HF?-41B0", Box.from_rect(650, 570, 280, 26), 0.4)]
        return [TextBox("S/N HFP-418031", Box.from_rect(40, 30, 560, 52), 0.62)]


def test_a_code_read_from_a_plate_with_a_low_score_stays_uncertain(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    photo, _ = _plate_photo()
    photo.save(tmp_path / "plate.png")
    settings = ReaderSettings(
        region_looks=False,
        joined_marks=False,
        dewarp=False,
        look_budget=60,
        rotation_budget=0,
    )

    result = PhotoReader(_Unsure(), demo_store, settings=settings).read(
        tmp_path / "plate.png"
    )

    assert [c.value for c in result.codes] == ["HFP-418031"]
    assert result.codes[0].low_confidence
