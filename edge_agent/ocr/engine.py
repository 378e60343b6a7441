"""The ``OcrEngine`` protocol and the values engines return: text boxes.

An engine reads one pillow image and returns every piece of text it found, each
with a box in that image's pixels and a recognition score between 0 and 1. Box
corners run clockwise from the top-left corner *of the text as read*, so the
first edge (corner 0 to corner 1) points in the reading direction even when the
text stands sideways in the photo.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PIL.Image import Image

Point = tuple[float, float]
"""An ``(x, y)`` position in pixels; y grows downwards."""


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


@dataclass(frozen=True, slots=True)
class Box:
    """A quadrilateral around text: top-left, top-right, bottom-right, bottom-left."""

    points: tuple[Point, Point, Point, Point]

    @classmethod
    def from_rect(cls, x: float, y: float, width: float, height: float) -> Box:
        """An upright box from its left, top, width and height."""
        right, bottom = x + width, y + height
        return cls(((x, y), (right, y), (right, bottom), (x, bottom)))

    @classmethod
    def spanning(cls, first: Box, last: Box) -> Box:
        """The box from the start of ``first`` to the end of ``last`` (one line)."""
        return cls((first.points[0], last.points[1], last.points[2], first.points[3]))

    @property
    def left(self) -> float:
        return min(x for x, _ in self.points)

    @property
    def top(self) -> float:
        return min(y for _, y in self.points)

    @property
    def right(self) -> float:
        return max(x for x, _ in self.points)

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.points)

    @property
    def center(self) -> Point:
        return (
            sum(x for x, _ in self.points) / 4,
            sum(y for _, y in self.points) / 4,
        )

    @property
    def length(self) -> float:
        """Extent along the reading direction (mean of the top and bottom edges)."""
        p = self.points
        return (_distance(p[0], p[1]) + _distance(p[3], p[2])) / 2

    @property
    def thickness(self) -> float:
        """Extent across the reading direction: the height of the text."""
        p = self.points
        return (_distance(p[0], p[3]) + _distance(p[1], p[2])) / 2

    @property
    def angle(self) -> float:
        """Reading direction in degrees: 0 is left to right, 90 is top to bottom."""
        (x0, y0), (x1, y1) = self.points[0], self.points[1]
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    def part(self, start: float, end: float) -> Box:
        """The slice between two fractions (0 to 1) of the reading direction."""
        p = self.points
        return Box(
            (
                _lerp(p[0], p[1], start),
                _lerp(p[0], p[1], end),
                _lerp(p[3], p[2], end),
                _lerp(p[3], p[2], start),
            )
        )

    def mapped(self, transform: Callable[[Point], Point]) -> Box:
        """This box with every corner passed through ``transform``."""
        a, b, c, d = (transform(point) for point in self.points)
        return Box((a, b, c, d))

    def scaled(self, factor: float) -> Box:
        """This box with every coordinate multiplied by ``factor``."""
        return self.mapped(lambda p: (p[0] * factor, p[1] * factor))

    def turned(self) -> Box:
        """The same box read the other way round (text upside down in it)."""
        a, b, c, d = self.points
        return Box((c, d, a, b))

    def as_rect(self) -> tuple[int, int, int, int]:
        """The upright rectangle around the box: ``(x, y, width, height)``."""
        left, top = math.floor(self.left), math.floor(self.top)
        return left, top, math.ceil(self.right) - left, math.ceil(self.bottom) - top

    def as_list(self) -> list[list[int]]:
        """The four corners rounded to whole pixels, for JSON."""
        return [[round(x), round(y)] for x, y in self.points]


@dataclass(frozen=True, slots=True)
class TextBox:
    """One piece of text an engine read: a word or a line, its box and score."""

    text: str
    box: Box
    score: float

    def from_crop(self, left: float, top: float, factor: float) -> TextBox:
        """This text, read in a crop of the photo whose corner is at
        ``(left, top)`` and enlarged ``factor`` times, in the photo's pixels."""
        box = self.box.mapped(lambda p: (left + p[0] / factor, top + p[1] / factor))
        return TextBox(self.text, box, self.score)


class OcrEngine(Protocol):
    """What the reader needs from an OCR engine.

    Engines are built once per process and kept warm; :meth:`read` may be
    called many times, from one thread at a time.
    """

    @property
    def name(self) -> str:
        """Short engine name shown to the technician, e.g. ``rapidocr``."""
        ...

    @property
    def max_side(self) -> int:
        """Longest image side (pixels) worth passing; larger photos are shrunk."""
        ...

    def read(self, image: Image) -> list[TextBox]:
        """Every piece of text in an RGB ``image``, in any order."""
        ...


@runtime_checkable
class TurnReader(Protocol):
    """An engine that can read boxes it found again, turned half round.

    Detection finds upside-down text as well as upright text; only the
    recognition fails. Reading just those boxes again turned is far cheaper
    than reading the whole photo again.
    """

    def read_turned(self, image: Image, boxes: Sequence[TextBox]) -> list[TextBox]:
        """Each of ``boxes`` read turned half round, in the same order.

        Each result's box is the input box turned (:meth:`Box.turned`).
        """
        ...
