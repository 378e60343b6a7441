"""A code's place on the photo, cut out upright, for the technician to check.

A code read with low confidence is shown beside the pixels it was read from,
so that the technician can compare the two and correct the reading.
:func:`cut_code` cuts the code's box, with some room, out of the photo and
turns it so the text reads left to right (a code read sideways or upside
down comes out upright). :func:`half_blocks` draws such a crop for a
terminal: greyscale, stretched to full contrast, two pixel rows per cell
with the upper half block, which every terminal (and tmux) shows.

Pure: pillow images in, pillow images or Rich text out. Only
:func:`uncertain_crops` reads the photo file again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from edge_agent.errors import ImageUnreadable
from edge_agent.ocr.engine import Box, Point
from edge_agent.ocr.images import load_photo

if TYPE_CHECKING:
    from rich.style import Style
    from rich.text import Text

    from edge_agent.ocr.images import Photo
    from edge_agent.ocr.results import OcrResult

ALONG = 0.5
"""Room kept before and after a code, in text heights."""

ACROSS = 0.15
"""Room kept above and below a code, in text heights (engines' boxes already
leave some)."""

MAX_CELLS = 60
"""Widest crop drawn in a terminal, in cells."""

MAX_ROWS = 6
"""Tallest crop drawn in a terminal, in cells (two pixel rows each)."""

MAX_ENLARGE = 3.0
"""Largest enlargement of a small crop for the terminal."""

UPPER_HALF = "\u2580"
"""The upper half block: its foreground is the upper pixel, its background
the lower one."""


def grown(box: Box, along: float = ALONG, across: float = ACROSS) -> Box:
    """``box`` grown by ``along`` text heights before and after its text, and
    by ``across`` text heights above and below it (a pixel at least)."""
    thickness = max(box.thickness, 1.0)
    ahead = along * thickness / max(box.length, 1.0)
    a, b, c, d = box.points
    top = (_lerp(a, b, -ahead), _lerp(a, b, 1 + ahead))
    bottom = (_lerp(d, c, -ahead), _lerp(d, c, 1 + ahead))
    aside = max(across * thickness, 1.0) / max(box.thickness, 1e-6)
    return Box(
        (
            _lerp(bottom[0], top[0], 1 + aside),
            _lerp(bottom[1], top[1], 1 + aside),
            _lerp(top[1], bottom[1], 1 + aside),
            _lerp(top[0], bottom[0], 1 + aside),
        )
    )


def clamped(box: Box, size: tuple[int, int]) -> Box:
    """``box`` with every corner moved inside an image of ``size``."""
    width, height = size
    return box.mapped(
        lambda p: (min(max(p[0], 0.0), width), min(max(p[1], 0.0), height))
    )


def cut_code(
    image: Image.Image, box: Box, *, along: float = ALONG, across: float = ACROSS
) -> Image.Image | None:
    """The region of ``box`` in ``image`` with room around it (:func:`grown`),
    upright.

    The crop reads left to right whatever way the text runs in the photo,
    at the photo's own resolution. ``None`` when no part of the box lies in
    the image.
    """
    region = clamped(grown(box, along, across), image.size)
    width, height = round(region.length), round(region.thickness)
    if width < 1 or height < 1:
        return None
    nw, ne, se, sw = region.points
    corners = (*nw, *sw, *se, *ne)
    return image.convert("RGB").transform(
        (width, height), Image.Transform.QUAD, corners, Image.Resampling.BICUBIC
    )


def code_crop(
    photo: Photo, box: Box, *, along: float = ALONG, across: float = ACROSS
) -> Image.Image | None:
    """:func:`cut_code` for a box in full-size photo pixels, on ``photo``'s
    image at whatever size it was loaded."""
    scaled = box.scaled(photo.scale)
    return cut_code(photo.image, scaled, along=along, across=across)


def uncertain_crops(result: OcrResult) -> dict[int, Image.Image]:
    """The crop of each uncertain code of ``result`` that has a box, by index.

    The photo is read again at full size.

    Raises:
        ImageUnreadable: the photo is gone, unreadable, or no longer the one
            read (another file now has its name).
    """
    wanted = {
        index: code.box
        for index, code in enumerate(result.codes)
        if code.low_confidence and code.box is not None
    }
    if not wanted:
        return {}
    photo = load_photo(result.path)
    if photo.sha256 != result.sha256:
        raise ImageUnreadable(
            f"{result.path.name} changed since it was read; read it again to "
            "see the codes' crops.",
            path=result.path,
            reason="changed",
        )
    crops = {index: code_crop(photo, box) for index, box in wanted.items()}
    return {index: crop for index, crop in crops.items() if crop is not None}


def terminal_size(
    size: tuple[int, int], *, max_cells: int = MAX_CELLS, max_rows: int = MAX_ROWS
) -> tuple[int, int]:
    """Pixels (width, height) a crop of ``size`` is drawn at: at most
    ``max_cells`` wide and ``2 * max_rows`` high, enlarged at most
    :data:`MAX_ENLARGE` times, its shape kept (half blocks are square)."""
    width, height = size
    factor = min(max_cells / width, 2 * max_rows / height, MAX_ENLARGE)
    return (
        max(1, min(max_cells, round(width * factor))),
        max(1, min(2 * max_rows, round(height * factor))),
    )


def half_blocks(
    crop: Image.Image, *, max_cells: int = MAX_CELLS, max_rows: int = MAX_ROWS
) -> Text:
    """``crop`` drawn with upper half blocks: greyscale, full contrast, at
    most ``max_cells`` wide and ``max_rows`` high."""
    from rich.text import Text  # Rich comes with the terminal app's stack

    size = terminal_size(crop.size, max_cells=max(1, max_cells), max_rows=max_rows)
    grey = ImageOps.grayscale(crop).resize(
        size, Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    grey = ImageOps.autocontrast(grey, cutoff=1)
    width, height = grey.size
    pixels = grey.load()
    assert pixels is not None
    text = Text(no_wrap=True, overflow="crop", end="")
    for top in range(0, height, 2):
        if top:
            text.append("\n")
        for x in range(width):
            upper = _level(pixels[x, top])
            lower = _level(pixels[x, top + 1]) if top + 1 < height else upper
            text.append(UPPER_HALF, _style(upper, lower))
    return text


def _level(value: object) -> int:
    assert isinstance(value, int)
    return value


@lru_cache(maxsize=4096)
def _style(upper: int, lower: int) -> Style:
    from rich.color import Color
    from rich.style import Style

    return Style(
        color=Color.from_rgb(upper, upper, upper),
        bgcolor=Color.from_rgb(lower, lower, lower),
    )


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
