"""Finding and undoing a photo's tilt, for engines that only read level text.

Projection profiles: turned to the right angle, the rows of text line up, so
the amount of stroke in the image's rows varies the most. The tilt is searched on a
small copy, between -30 and +30 degrees; a tilt is reported only when it is
clearly better than reading the photo as it stands.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

from edge_agent.ocr.engine import Point

MAX_TILT = 30
"""Largest tilt searched for, in degrees either way."""

MIN_TILT = 6
"""Smaller tilts are left alone: the engine copes with them."""

_STEP = 2
_GAIN = 1.15
"""How much sharper the best profile must be than the level one."""
_SIDE = 480
_STROKE_RADIUS = 6
_STROKE_CONTRAST = 28


def estimate_tilt(gray: Image.Image) -> float:
    """Degrees (anticlockwise) to turn ``gray`` by to make its text level, or 0."""
    small = ImageOps.contain(gray, (_SIDE, _SIDE))
    # Strokes: pixels far from their neighbourhood's mean, dark or light, so
    # that flat backgrounds and large shapes count for little.
    local = small.filter(ImageFilter.BoxBlur(_STROKE_RADIUS))
    ink = ImageChops.difference(small, local).point(
        lambda v: 255 if v > _STROKE_CONTRAST else 0
    )
    level = _sharpness(ink, 0)
    best, best_angle = level, 0.0
    for angle in range(-MAX_TILT, MAX_TILT + 1, _STEP):
        sharpness = _sharpness(ink, angle)
        if sharpness > best:
            best, best_angle = sharpness, float(angle)
    if abs(best_angle) < MIN_TILT or best < level * _GAIN:
        return 0.0
    return best_angle


def level(
    image: Image.Image, angle: float
) -> tuple[Image.Image, Callable[[Point], Point]]:
    """``image`` turned by ``angle`` degrees, and the map back to its pixels."""
    turned = image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    cx, cy = image.width / 2, image.height / 2
    tx, ty = turned.width / 2, turned.height / 2

    def back(point: Point) -> Point:
        dx, dy = point[0] - tx, point[1] - ty
        return cx + dx * cos - dy * sin, cy + dx * sin + dy * cos

    return turned, back


def _sharpness(ink: Image.Image, angle: float) -> float:
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=True)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX)
    return float(ImageStat.Stat(rows).var[0])
