"""Straightening labels that bend round a pipe or a motor, region by region.

A label wrapped round a cylinder comes back from the first pass as boxes
that give the bend away: a line read as one box much thicker than its
neighbours (its ends sit higher or lower than its middle), boxes of one
label tilted different ways, or a tilted box read with a low score. Only
there, and only when the text measured inside those boxes really bends:

1. **Measure**: each box of the label is cut into slices along its reading
   direction; in each slice the centre of the ink across the line is found.
   Those points trace the text lines.
2. **Fit**: one bend for the whole label, ``d(x) = a·x² + b·x``, with each
   line at its own height (least squares). A label on a cylinder bends all
   its lines the same way, and a quadratic is the first term of any smooth
   bend, so no particular surface is assumed.
3. **Straighten**: each column of the region is shifted up or down by the
   fitted bend, which levels every line, and the region alone is read
   again. Its new reading replaces the boxes it covers only when it scores
   better or finds more (as the second look decides).

Everything here works on pillow images; the engine does the reading.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageOps

from edge_agent.ocr.engine import Box, OcrEngine, Point, TextBox
from edge_agent.ocr.second_look import better_reading

BENT_BELOW = 0.9
"""A tilted box read with a score under this suggests a bend."""

TILTED = 4.0
"""Degrees from the label's median angle past which a box counts as tilted."""

THICK = 1.35
"""A box this many times thicker than the label's median suggests a bend."""

MIN_BOW = 0.25
"""Least bow across the region, in text heights, worth straightening."""

MAX_ANGLE = 35.0
"""Labels tilted more than this (degrees) are left to the rotated retry."""

MAX_BENDS = 2
"""Most regions straightened in one photo."""

STRIP_PX = 8
"""Width of the vertical strips the region is remapped by, in pixels."""

_STROKE_CONTRAST = 24
"""Grey levels between neighbouring pixels from which an edge is a stroke."""

_MARGIN = 1.2
"""Room kept around a label's boxes, in text heights (lines the pass missed)."""


@dataclass(frozen=True, slots=True)
class Bend:
    """The vertical offset of the text lines across a region.

    ``offset(x) = a·(x - x0)² + b·(x - x0)``: a point of a line at ``x``
    stands that many pixels lower than the line would if it were straight
    and level through ``x0``.
    """

    a: float
    b: float
    x0: float

    def offset(self, x: float) -> float:
        dx = x - self.x0
        return self.a * dx * dx + self.b * dx

    def bow(self, left: float, right: float) -> float:
        """How far the bend strays from the straight chord between two columns."""
        half = (right - left) / 2
        return abs(self.a) * half * half


def fit_bend(lines: Sequence[Sequence[Point]], x0: float) -> Bend | None:
    """The bend shared by ``lines`` (points along each), each at its own height.

    Least squares of ``y = a·(x-x0)² + b·(x-x0) + c_line``: each line's own
    ``c`` is removed by centring its points, which leaves two unknowns. One
    refit without the points that stray most (a descender, a speck) follows.

    Returns:
        The bend, or None when the points cannot tell one (too few, or all
        at one column).
    """
    rows = _centred(lines, x0)
    bend = _solve(rows, x0)
    if bend is None:
        return None
    residuals = [abs(y - bend.a * q - bend.b * p) for p, q, y in rows]
    limit = max(2.5 * statistics.median(residuals), 1.0)
    kept = [row for row, r in zip(rows, residuals, strict=True) if r <= limit]
    return _solve(kept, x0) or bend


def _centred(
    lines: Sequence[Sequence[Point]], x0: float
) -> list[tuple[float, float, float]]:
    """``(x - mean, x² - mean, y - mean)`` for each point, per line."""
    rows = []
    for points in lines:
        if len(points) < 2:
            continue
        ps = [x - x0 for x, _ in points]
        qs = [p * p for p in ps]
        ys = [y for _, y in points]
        mp, mq, my = statistics.fmean(ps), statistics.fmean(qs), statistics.fmean(ys)
        rows += [(p - mp, q - mq, y - my) for p, q, y in zip(ps, qs, ys, strict=True)]
    return rows


def _solve(rows: Sequence[tuple[float, float, float]], x0: float) -> Bend | None:
    spp = sum(p * p for p, _, _ in rows)
    sqq = sum(q * q for _, q, _ in rows)
    spq = sum(p * q for p, q, _ in rows)
    spy = sum(p * y for p, _, y in rows)
    sqy = sum(q * y for _, q, y in rows)
    det = spp * sqq - spq * spq
    if len(rows) < 4 or det <= 1e-9 * max(spp * sqq, 1e-12):
        return None
    a = (spp * sqy - spq * spy) / det
    b = (sqq * spy - spq * sqy) / det
    return Bend(a, b, x0)


def trace_line(gray: Image.Image, box: Box) -> list[Point]:
    """Points along the middle of the text in ``box`` (photo pixels).

    The box is cut into slices about half its thickness long; in each, the
    centre of the ink across the line (its strokes,
    dark on light or light on dark, found by their upright edges) is one
    point. Slices with no ink (gaps
    between words) give none.
    """
    thickness = max(box.thickness, 4.0)
    count = max(6, min(24, round(2 * box.length / thickness)))
    points = []
    for i in range(count):
        piece = box.part(i / count, (i + 1) / count)
        across = _ink_centre(gray, piece)
        if across is None:
            continue
        (tx, ty), (bx, by) = _mid(piece, 0, 1), _mid(piece, 3, 2)
        points.append((tx + (bx - tx) * across, ty + (by - ty) * across))
    return points


def _mid(box: Box, one: int, other: int) -> Point:
    (x0, y0), (x1, y1) = box.points[one], box.points[other]
    return ((x0 + x1) / 2, (y0 + y1) / 2)


def _ink_centre(gray: Image.Image, piece: Box) -> float | None:
    """Where the ink sits across ``piece``: 0 at its top edge, 1 at its bottom."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = piece.points
    height = max(4, round(piece.thickness))
    width = max(6, round(piece.length))
    quad = (x0, y0, x3, y3, x2, y2, x1, y1)
    cut = gray.transform(
        (width, height), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR
    )
    # Upright strokes only: a label's edge or a shadow runs along the line,
    # and a flat background has no strokes at all.
    strokes = ImageChops.difference(cut, ImageChops.offset(cut, 2, 0))
    strokes = strokes.crop((2, 0, width, height)).point(
        lambda v: v if v > _STROKE_CONTRAST else 0
    )
    rows = list(strokes.resize((1, height), Image.Resampling.BOX).tobytes())
    floor = min(rows)
    weights = [float(v - floor) for v in rows]
    total = sum(weights)
    if total < height * 2:
        return None
    return sum(w * (i + 0.5) for i, w in enumerate(weights)) / total / height


@dataclass(frozen=True, slots=True)
class Straightened:
    """A region with its lines levelled, and the way back to the photo."""

    image: Image.Image
    left: int
    top: int
    pad: float
    bend: Bend

    def to_photo(self, point: Point) -> Point:
        """A point of :attr:`image` in the photo's pixels."""
        x, y = point
        shift = self.bend.offset(x) - self._middle
        return (self.left + x, self.top + y - self.pad + shift)

    @property
    def _middle(self) -> float:
        lo, hi = _offset_range(self.bend, self.image.width)
        return (lo + hi) / 2


def straighten(
    image: Image.Image, rect: tuple[int, int, int, int], bend: Bend
) -> Straightened:
    """The part of ``image`` inside ``rect`` with each column shifted by ``bend``.

    ``bend`` is in the region's own columns (0 at ``rect``'s left edge). The
    result is taller than the region by the bend's whole range, so nothing
    of the region is cut; what lies outside the photo is filled white.
    """
    left, top, right, bottom = rect
    crop = image.crop(rect)
    width, height = crop.size
    lo, hi = _offset_range(bend, width)
    pad, middle = (hi - lo) / 2, (hi + lo) / 2
    out_height = round(height + 2 * pad)
    mesh = []
    for x0 in range(0, width, STRIP_PX):
        x1 = min(width, x0 + STRIP_PX)
        s0 = bend.offset(x0) - middle - pad
        s1 = bend.offset(x1) - middle - pad
        quad = (x0, s0, x0, out_height + s0, x1, out_height + s1, x1, s1)
        mesh.append(((x0, 0, x1, out_height), quad))
    levelled = crop.transform(
        (width, out_height),
        Image.Transform.MESH,
        mesh,
        resample=Image.Resampling.BICUBIC,
        fillcolor="white",
    )
    return Straightened(levelled, left, top, pad, bend)


def _offset_range(bend: Bend, width: int) -> tuple[float, float]:
    values = [bend.offset(x) for x in range(0, width + 1, max(1, width // 32))]
    values.append(bend.offset(width))
    return min(values), max(values)


@dataclass(frozen=True, slots=True)
class BentRegion:
    """A label that seems to bend: its rectangle and the boxes it covers."""

    rect: tuple[int, int, int, int]
    covered: tuple[int, ...]
    thickness: float


def bent_regions(
    boxes: Sequence[TextBox], size: tuple[int, int], *, below: float = BENT_BELOW
) -> list[BentRegion]:
    """Labels whose boxes suggest a bend: each around a suspect box.

    A box is suspect when it is much thicker than its label's boxes, tilted
    from them or from level among them, or read with a score under
    ``below``; whether its label really bends is measured afterwards. Its label
    is the boxes close to it (within two text heights), grown by a margin
    for lines the first pass missed.
    """
    regions: list[BentRegion] = []
    taken: set[int] = set()
    for index in _suspects(boxes, below):
        if index in taken:
            continue
        members = _label_of(boxes, index)
        taken.update(members)
        thickness = statistics.median(_height(boxes[i].box) for i in members)
        regions.append(_rect_around(boxes, members, thickness, size))
    return regions[:MAX_BENDS]


def _suspects(boxes: Sequence[TextBox], below: float) -> list[int]:
    """Boxes that suggest a bend, the poorest read first."""
    found = []
    for index, box in enumerate(boxes):
        if len(box.text) < 2 or abs(box.box.angle) > MAX_ANGLE:
            continue
        label = [boxes[i] for i in _label_of(boxes, index)]
        angle = statistics.median(b.box.angle for b in label)
        height = statistics.median(_height(b.box) for b in label)
        tilted = abs(box.box.angle - angle) > TILTED or abs(box.box.angle) > TILTED
        thick = len(label) > 1 and box.box.thickness > THICK * height
        if thick or box.score < below or (tilted and len(label) > 1):
            found.append(index)
    return sorted(found, key=lambda i: boxes[i].score)


def _height(box: Box) -> float:
    """The text height of a box, bent or not: its thickness along its short side."""
    return max(min(box.thickness, box.length), 1.0)


def _label_of(boxes: Sequence[TextBox], index: int) -> list[int]:
    """``index`` and the boxes near it, transitively: one label's lines."""
    members, frontier = {index}, [index]
    while frontier:
        box = boxes[frontier.pop()].box
        reach = 2 * min(box.thickness, 60.0)
        for other, candidate in enumerate(boxes):
            if other not in members and _near(box, candidate.box, reach):
                members.add(other)
                frontier.append(other)
    return sorted(members)


def _near(one: Box, other: Box, reach: float) -> bool:
    return (
        other.left <= one.right + reach
        and one.left <= other.right + reach
        and other.top <= one.bottom + reach
        and one.top <= other.bottom + reach
    )


def _rect_around(
    boxes: Sequence[TextBox],
    members: Sequence[int],
    thickness: float,
    size: tuple[int, int],
) -> BentRegion:
    pad = _MARGIN * thickness
    width, height = size
    rect = (
        max(0, int(min(boxes[i].box.left for i in members) - pad)),
        max(0, int(min(boxes[i].box.top for i in members) - pad)),
        min(width, int(max(boxes[i].box.right for i in members) + pad)),
        min(height, int(max(boxes[i].box.bottom for i in members) + pad)),
    )
    return BentRegion(rect, tuple(members), thickness)


def region_bend(
    image: Image.Image, boxes: Sequence[TextBox], region: BentRegion
) -> Bend | None:
    """The bend measured in ``region``'s boxes, in its own columns; None when
    its lines run straight (a bow under :data:`MIN_BOW` text heights)."""
    gray = ImageOps.grayscale(image)
    left, _, right, _ = region.rect
    traces = [
        [(x - left, y) for x, y in trace_line(gray, boxes[i].box)]
        for i in region.covered
    ]
    bend = fit_bend(traces, (right - left) / 2)
    if bend is None:
        return None
    bow = bend.bow(0, right - left)
    # A lone bent line's box is as thick as its text plus the bow.
    height = region.thickness - bow if len(traces) == 1 else region.thickness
    return bend if bow >= MIN_BOW * max(height, 1.0) else None


def straighten_bends(
    engine: OcrEngine,
    image: Image.Image,
    boxes: Sequence[TextBox],
    *,
    in_time: Callable[[], bool] = lambda: True,
) -> list[TextBox]:
    """``boxes`` with each bent label's better reading, straightened, in place
    of its boxes; labels that do not bend, or come after the budget, as read."""
    result = list(boxes)
    dropped: set[int] = set()
    added: list[TextBox] = []
    for region in bent_regions(boxes, image.size):
        if not in_time():
            break
        bend = region_bend(image, boxes, region)
        if bend is None:
            continue
        levelled = straighten(image, region.rect, bend)
        found = [
            TextBox(b.text, b.box.mapped(levelled.to_photo), b.score)
            for b in engine.read(levelled.image)
        ]
        old = [boxes[i] for i in region.covered]
        if found and better_reading(found, old):
            dropped.update(region.covered)
            added.extend(found)
    return [b for i, b in enumerate(result) if i not in dropped] + added
