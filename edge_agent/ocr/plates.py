"""A second look at metal plates: codes punched in dots or engraved, no ink.

The text detector sees a photo shrunk to its input size, where the dots of a
dot-peen plate (two or three pixels across in a phone photo) and the thin
grooves of an engraved plate fade into the metal's grain: it finds no boxes
there, or reads the marks as the wrong characters. When a pass found nothing
code-shaped, each place that looks like marks on a plate is read again on
its own, larger and treated:

1. **Find**: small dark marks are what a grey *black-hat* leaves (the photo
   closed, i.e. dark marks narrower than a few pixels filled in, minus the
   photo), taken at half size above the photo's own noise. Cells of the photo
   dense in such marks, joined into blobs, give the plates' rectangles; blobs
   that fill most of the photo (noise, fabric, gravel) are no plate.
2. **Treat**: the rectangle alone is cut out and seen two ways. At the
   photo's own scale (the detector sees it nearer its input size than in
   the whole photo), each dark mark widened by a pixel all round: that joins
   the dots of large dot-peen characters into strokes. Enlarged twice and
   smoothed by a light blur: that brings out small marks, the segments of a
   readout and the strokes of a blurred screen. Both are stretched to full
   contrast.
3. **Read**: the engine reads both views, the second within the budget, and
   keeps the better reading (straightened when its boxes show a bend, as
   printed labels are); it replaces the boxes the rectangle covers only when
   it scores better or finds more (the second look's rule,
   :func:`~edge_agent.ocr.second_look.better_reading`).

Finding and treating use pillow and numpy (imported when first needed); the
engine does the reading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageFilter, ImageOps

from edge_agent.ocr.dewarp import straighten_bends
from edge_agent.ocr.engine import OcrEngine, TextBox
from edge_agent.ocr.second_look import better_reading

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_PLATES = 2
"""Most plates read again in one photo."""

SHRINK = 2
"""The marks are looked for at this fraction of the photo's size (speed)."""

CLOSING_PX = 5
"""Width of the closing, in pixels of the shrunk photo: marks narrower are found."""

MARK_CONTRAST = 10
"""Least depth of a mark under its surroundings, in grey levels."""

NOISE_FACTOR = 4.0
"""A mark must also be this many times deeper than the photo's median depth."""

CELL_PX = 8
"""Side of the cells mark density is counted in, in pixels of the shrunk photo."""

DENSE = 0.08
"""Share of a cell's pixels that must be marks for it to count as marked."""

BRIDGE = 2
"""Empty cells along a row that still join marks into one plate."""

MAX_SHARE = 0.3
"""A blob covering more of the photo than this is texture, not a plate."""

MAX_READ_SIDE = 1600
"""Longest side of a treated rectangle (larger ones are shrunk to it)."""

JOIN_PX = 3
"""Side of the minimum filter that widens dark marks and joins dots into strokes."""

ENLARGE = 2.0
"""Enlargement of the second view, for small marks and segments."""

SMOOTH_BLUR = 2.0
"""Radius of the blur that smooths the enlarged view, in enlarged pixels."""


@dataclass(frozen=True, slots=True)
class Plate:
    """A rectangle of the photo dense in small dark marks.

    Attributes:
        rect: ``(left, top, right, bottom)`` in the photo's pixels.
        mass: Marked cells in it, weighted by their density (bigger first).
    """

    rect: tuple[int, int, int, int]
    mass: float


def find_plates(image: Image.Image, *, limit: int = MAX_PLATES) -> list[Plate]:
    """Rectangles of ``image`` dense in small dark marks, the most marked first."""
    width, height = image.size
    if min(width, height) < SHRINK * CELL_PX * 2:
        return []
    depth = mark_depth(ImageOps.grayscale(image).reduce(SHRINK))
    cells = _marked_cells(depth)
    plates = []
    scale = SHRINK * CELL_PX
    total = cells.shape[0] * cells.shape[1]
    for members, mass in _blobs(cells >= DENSE, cells):
        if len(members) > MAX_SHARE * total or len(members) < 3:
            continue
        rows, cols = zip(*members, strict=True)
        rect = (
            max(0, (min(cols) - 1) * scale),
            max(0, (min(rows) - 1) * scale),
            min(width, (max(cols) + 2) * scale),
            min(height, (max(rows) + 2) * scale),
        )
        plates.append(Plate(rect, mass))
    plates.sort(key=lambda plate: -plate.mass)
    return plates[:limit]


def mark_depth(grey: Image.Image) -> NDArray[Any]:
    """How far each pixel lies under its closing: small dark marks stand out.

    The closing (a maximum then a minimum over :data:`CLOSING_PX` square)
    fills every dark mark narrower than the square and leaves wider dark
    areas and edges as they were, so the difference is the marks alone.
    """
    import numpy

    pixels = numpy.asarray(grey, dtype=numpy.uint8)
    closed = _rank(_rank(pixels, numpy.maximum), numpy.minimum)
    return closed - pixels  # closing >= the image: no wrap-around


def _rank(pixels: NDArray[Any], op: Any) -> NDArray[Any]:
    """A square maximum or minimum filter, as two passes of one dimension."""
    return _rank_rows(_rank_rows(pixels, op).T, op).T


def _rank_rows(pixels: NDArray[Any], op: Any) -> NDArray[Any]:
    import numpy

    reach = CLOSING_PX // 2
    padded = numpy.pad(pixels, ((0, 0), (reach, reach)), mode="edge")
    width = pixels.shape[1]
    out = padded[:, :width].copy()
    for shift in range(1, CLOSING_PX):
        op(out, padded[:, shift : shift + width], out=out)
    return out


def _marked_cells(depth: NDArray[Any]) -> NDArray[Any]:
    """The share of each cell's pixels deep enough to be a mark."""
    import numpy

    floor = max(MARK_CONTRAST, NOISE_FACTOR * float(numpy.median(depth)))
    rows, cols = depth.shape[0] // CELL_PX, depth.shape[1] // CELL_PX
    marks = depth[: rows * CELL_PX, : cols * CELL_PX] > floor
    shares: NDArray[Any] = marks.reshape(rows, CELL_PX, cols, CELL_PX).mean(axis=(1, 3))
    return shares


def _blobs(
    marked: NDArray[Any], weights: NDArray[Any]
) -> list[tuple[list[tuple[int, int]], float]]:
    """Groups of marked cells, each reaching the next across at most
    :data:`BRIDGE` empty cells along a row (the space between words) and one
    down a column (between the lines of a plate)."""
    rows, cols = marked.shape
    unseen = marked.copy()
    blobs = []
    for start in zip(*marked.nonzero(), strict=True):
        if not unseen[start]:
            continue
        unseen[start] = False
        members, frontier = [], [start]
        while frontier:
            y, x = frontier.pop()
            members.append((int(y), int(x)))
            for ny in range(max(0, y - 2), min(rows, y + 3)):
                for nx in range(max(0, x - BRIDGE - 1), min(cols, x + BRIDGE + 2)):
                    if unseen[ny, nx]:
                        unseen[ny, nx] = False
                        frontier.append((ny, nx))
        blobs.append((members, float(sum(weights[m] for m in members))))
    return blobs


def plate_view(crop: Image.Image, factor: float = 1.0) -> Image.Image:
    """``crop`` scaled by ``factor``, its dots joined, at full contrast (RGB)."""
    grey = _scaled(ImageOps.grayscale(crop), factor)
    grey = grey.filter(ImageFilter.MinFilter(JOIN_PX))
    return ImageOps.autocontrast(grey, cutoff=1).convert("RGB")


def enlarged_view(crop: Image.Image, factor: float = ENLARGE) -> Image.Image:
    """``crop`` enlarged by ``factor`` and smoothed, at full contrast (RGB)."""
    grey = _scaled(ImageOps.grayscale(crop), factor)
    grey = grey.filter(ImageFilter.GaussianBlur(SMOOTH_BLUR))
    return ImageOps.autocontrast(grey, cutoff=1).convert("RGB")


def _scaled(grey: Image.Image, factor: float) -> Image.Image:
    if factor == 1.0:
        return grey
    size = (round(grey.width * factor), round(grey.height * factor))
    return grey.resize(size, Image.Resampling.BICUBIC)


def read_plates(
    engine: OcrEngine,
    image: Image.Image,
    boxes: Sequence[TextBox],
    *,
    straighten: bool = True,
    in_time: Callable[[], bool] = lambda: True,
) -> list[TextBox]:
    """``boxes`` with each plate's better second reading in place of the boxes
    it covers; plates found after the budget ran out are left as read.

    With ``straighten``, a plate whose new boxes show a bend (a plate round a
    pipe) is straightened in its treated view and read once more, as
    :func:`~edge_agent.ocr.dewarp.straighten_bends` does for printed labels.
    """
    result = list(boxes)
    for plate in find_plates(image):
        if not in_time():
            break
        found = _read_plate(engine, image, plate, straighten, in_time)
        inside = [b for b in result if _inside(b, plate.rect)]
        if found and better_reading(found, inside):
            result = [b for b in result if b not in inside] + found
    return result


def _read_plate(
    engine: OcrEngine,
    image: Image.Image,
    plate: Plate,
    straighten: bool,
    in_time: Callable[[], bool],
) -> list[TextBox]:
    left, top, right, bottom = plate.rect
    crop, longest = image.crop(plate.rect), max(right - left, bottom - top)
    factor = min(1.0, MAX_READ_SIDE / longest)
    view = plate_view(crop, factor)
    boxes = engine.read(view)
    if in_time():
        larger = min(ENLARGE, MAX_READ_SIDE / longest)
        enlarged = enlarged_view(crop, larger)
        read = engine.read(enlarged)
        if read and better_reading(read, boxes):
            view, boxes, factor = enlarged, read, larger
    if straighten and boxes and in_time():
        boxes = straighten_bends(engine, view, boxes, in_time=in_time)
    return [b.from_crop(left, top, factor) for b in boxes]


def _inside(box: TextBox, rect: tuple[int, int, int, int]) -> bool:
    x, y = box.box.center
    left, top, right, bottom = rect
    return left <= x <= right and top <= y <= bottom
