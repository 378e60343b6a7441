"""Curved labels: the bend measured in the first pass's boxes, then levelled."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from edge_agent.ocr import PhotoReader, ReaderSettings
from edge_agent.ocr.dewarp import (
    Bend,
    bent_regions,
    fit_bend,
    straighten,
    straighten_bends,
    trace_line,
)
from edge_agent.ocr.engine import Box, TextBox
from edge_agent.ocr.rapid import RapidOcrEngine
from knowledge_cache import KnowledgeStore
from tests.ocr_eval.effects import curve
from tests.ocr_eval.scenes import font


def _arc(
    a: float, b: float, x0: float, c: float, xs: range
) -> list[tuple[float, float]]:
    return [(x, a * (x - x0) ** 2 + b * (x - x0) + c) for x in xs]


def test_one_bend_is_fitted_through_lines_at_different_heights() -> None:
    lines = [
        _arc(0.002, 0.05, 100, 40, range(0, 200, 10)),
        _arc(0.002, 0.05, 100, 90, range(30, 160, 10)),
        _arc(0.002, 0.05, 100, 140, range(0, 120, 10)),
    ]

    bend = fit_bend(lines, 100)

    assert bend is not None
    assert abs(bend.a - 0.002) < 1e-6
    assert abs(bend.b - 0.05) < 1e-4


def test_a_stray_point_does_not_bend_a_straight_line() -> None:
    line = [(float(x), 50.0) for x in range(0, 200, 10)]
    line[7] = (70.0, 80.0)  # a descender or a speck

    bend = fit_bend([line], 100)

    assert bend is not None
    assert bend.bow(0, 200) < 1.0


def test_points_in_one_column_tell_no_bend() -> None:
    assert fit_bend([[(50.0, 10.0), (50.0, 12.0), (50.0, 14.0)]], 50) is None
    assert fit_bend([], 0) is None


def _bent_stroke(bend: Bend, size: tuple[int, int], y: float) -> Image.Image:
    """Upright bars along a bent line, as letters stand along it."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for x in range(size[0]):
        if x % 6 < 3:
            middle = y + bend.offset(x)
            draw.line((x, middle - 8, x, middle + 8), fill="black")
    return image


def _dark_rows(image: Image.Image) -> list[float]:
    """The middle of the dark pixels in each column."""
    gray = image.convert("L")
    rows = []
    for x in range(4, image.width - 4, 6):
        dark = [y for y in range(image.height) if gray.getpixel((x, y)) < 128]  # type: ignore[operator]
        if not dark:
            dark = [y for y in range(image.height) if gray.getpixel((x + 3, y)) < 128]  # type: ignore[operator]
        rows.append(sum(dark) / len(dark))
    return rows


def test_straightening_levels_a_bent_line_and_maps_back_onto_it() -> None:
    bend = Bend(a=0.004, b=0.02, x0=100)
    image = _bent_stroke(bend, (200, 160), 60)

    levelled = straighten(image, (0, 0, 200, 160), bend)

    rows = _dark_rows(levelled.image)
    assert max(rows) - min(rows) <= 1.5
    assert levelled.image.height > 160  # nothing of the region is cut
    x, y = levelled.to_photo((150.0, rows[0]))
    assert abs(y - (60 + bend.offset(150))) <= 1.5
    assert x == 150.0


def test_a_traced_line_follows_its_ink_through_a_tilted_box() -> None:
    bend = Bend(a=0.003, b=0.0, x0=120)
    image = _bent_stroke(bend, (240, 120), 40).convert("L")
    box = Box.from_rect(0, 20, 240, 60)

    points = trace_line(image, box)

    assert len(points) >= 6
    for x, y in points:
        assert abs(y - (40 + bend.offset(x))) <= 3.0


def _box(text: str, x: float, y: float, height: float, score: float = 0.99) -> TextBox:
    return TextBox(text, Box.from_rect(x, y, len(text) * height * 0.6, height), score)


def test_a_line_thicker_than_its_neighbours_makes_its_label_suspect() -> None:
    boxes = [
        _box("HYDRAFLOW", 100, 100, 30),
        _box("MODEL HP-300", 100, 140, 30),
        _box("P/N 4471-K60-900", 100, 180, 70),  # its ends lift off its middle
        _box("far away", 900, 700, 30),
    ]

    (region,) = bent_regions(boxes, (1200, 900))

    assert region.covered == (0, 1, 2)
    left, top, right, bottom = region.rect
    assert left < 100 and top < 100 and right > 100 + 16 * 18 and bottom > 250


def test_level_labels_read_well_are_not_suspect() -> None:
    boxes = [_box("HYDRAFLOW", 100, 100, 30), _box("MODEL HP-300", 100, 140, 30)]

    assert bent_regions(boxes, (800, 600)) == []


class _CountingEngine:
    """The real engine, counting its reads (the seam the dewarp reads through)."""

    def __init__(self, engine: RapidOcrEngine) -> None:
        self.engine, self.reads = engine, 0

    name = "counting"
    max_side = 1600

    def read(self, image: Image.Image) -> list[TextBox]:
        self.reads += 1
        return self.engine.read(image)


def _label(text: str) -> Image.Image:
    label = Image.new("RGBA", (560, 170), (250, 250, 245, 255))
    draw = ImageDraw.Draw(label)
    face = font("DejaVuSans-Bold.ttf", 40)
    draw.text((30, 20), "HYDRAFLOW", font=face, fill="black")
    draw.text((30, 95), text, font=face, fill="black")
    return label


def _photo(label: Image.Image) -> Image.Image:
    photo = Image.new("RGB", (label.width + 80, label.height + 80), (60, 90, 70))
    photo.paste(label, (40, 40), label)
    return photo


def test_a_curved_label_is_read_straightened(rapid_engine: RapidOcrEngine) -> None:
    photo = _photo(curve(_label("P/N 4471-K60-900"), bow=60))
    engine = _CountingEngine(rapid_engine)
    first = engine.read(photo)

    again = straighten_bends(engine, photo, first)

    assert engine.reads == 2
    texts = [b.text for b in again]
    assert any("4471-K60-900" in text for text in texts), texts
    for box in again:
        assert box.box.left >= -2 and box.box.right <= photo.width + 2


def test_a_flat_label_is_not_read_again(rapid_engine: RapidOcrEngine) -> None:
    photo = _photo(_label("P/N 4471-K60-900"))
    engine = _CountingEngine(rapid_engine)
    first = engine.read(photo)

    again = straighten_bends(engine, photo, first)

    assert engine.reads == 1
    assert again == first


def _curved_label_file(path: Path) -> None:
    label = _label("P/N 4471-K60-900")
    _photo(curve(label, bow=60)).save(path)


def test_the_reader_straightens_a_curved_label_only_when_asked(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    _curved_label_file(tmp_path / "pipe.png")
    # Budgets generous enough that a busy machine cannot change the outcome.
    budgets = {"rotation_budget": 60.0, "look_budget": 60.0}
    reads = {}
    for dewarp in (False, True):
        engine = _CountingEngine(rapid_engine)
        settings = ReaderSettings(dewarp=dewarp, **budgets)  # type: ignore[arg-type]
        result = PhotoReader(engine, demo_store, settings=settings).read(
            tmp_path / "pipe.png"
        )
        assert "4471-K60-900" in [c.value for c in result.codes]
        reads[dewarp] = engine.reads

    assert reads == {False: 1, True: 2}
    assert ReaderSettings().dewarp


def test_no_label_is_straightened_once_the_time_budget_is_spent(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    _curved_label_file(tmp_path / "pipe.png")
    engine = _CountingEngine(rapid_engine)

    def ticks() -> float:  # one second per reading
        return float(engine.reads)

    spent = ReaderSettings(look_budget=0.5, rotation_budget=0.5)
    PhotoReader(engine, demo_store, settings=spent, clock=ticks).read(
        tmp_path / "pipe.png"
    )

    assert engine.reads == 1
