"""Text boxes grouped into lines, in reading order.

Engines return boxes in no useful order: whole lines (RapidOCR) or single words
(tesseract). :func:`group_lines` straightens the photo's overall tilt, groups
boxes whose centres share a row, splits a row where a wide gap separates two
columns (two labels side by side), and orders the lines top to bottom, then
left to right. Each line keeps its boxes, so any part of its text can be traced
back to the pixels and the score it came from.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.ocr.engine import Box, TextBox

ROW_TOLERANCE = 0.5
"""Centres closer than this many text heights (across the line) share a row."""

COLUMN_GAP = 2.5
"""A gap wider than this many text heights splits a row into two lines."""


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text: its boxes in reading order, joined by single spaces."""

    parts: tuple[TextBox, ...]

    @property
    def text(self) -> str:
        return " ".join(part.text for part in self.parts)

    @property
    def box(self) -> Box:
        return Box.spanning(self.parts[0].box, self.parts[-1].box)

    @property
    def score(self) -> float:
        """Recognition score of the line: its parts' scores weighted by length."""
        total = sum(len(part.text) for part in self.parts)
        if not total:
            return 0.0
        return sum(part.score * len(part.text) for part in self.parts) / total

    def offsets(self) -> list[tuple[int, int, TextBox]]:
        """Where each part stands in :attr:`text`: ``(start, end, part)``."""
        found, start = [], 0
        for part in self.parts:
            found.append((start, start + len(part.text), part))
            start += len(part.text) + 1
        return found

    def box_for(self, start: int, end: int) -> Box:
        """The box around ``text[start:end]``, interpolated inside each part."""
        pieces = [
            part.box.part((max(start, s) - s) / (e - s), (min(end, e) - s) / (e - s))
            for s, e, part in self.offsets()
            if s < end and start < e
        ]
        if not pieces:
            return self.box
        return Box.spanning(pieces[0], pieces[-1])

    def score_for(self, start: int, end: int) -> float:
        """The lowest score of the parts that ``text[start:end]`` touches."""
        scores = [part.score for s, e, part in self.offsets() if s < end and start < e]
        return min(scores, default=self.score)


def group_lines(boxes: Sequence[TextBox]) -> list[TextLine]:
    """Group ``boxes`` into lines and order them as a person reads the photo."""
    items = [box for box in boxes if box.text.strip()]
    if not items:
        return []
    tilt = math.radians(_dominant_angle(items))
    placed = sorted((_Placed.of(item, tilt) for item in items), key=lambda p: p.v)
    rows: list[list[_Placed]] = []
    for item in placed:
        row = _row_for(rows, item)
        if row is None:
            rows.append([item])
        else:
            row.append(item)
    rows.sort(key=lambda row: statistics.fmean(p.v for p in row))
    return [line for row in rows for line in _split_columns(row)]


def _dominant_angle(items: Sequence[TextBox]) -> float:
    """The photo's tilt: the median reading angle, longer boxes counted more."""
    weighted = sorted((item.box.angle, max(item.box.length, 1.0)) for item in items)
    half, running = sum(w for _, w in weighted) / 2, 0.0
    for angle, weight in weighted:
        running += weight
        if running >= half:
            return angle
    return 0.0


@dataclass(frozen=True, slots=True)
class _Placed:
    """A box in the tilt-corrected frame: ``u`` along lines, ``v`` across."""

    item: TextBox
    u_start: float
    u_end: float
    v: float
    height: float

    @classmethod
    def of(cls, item: TextBox, tilt: float) -> _Placed:
        cos, sin = math.cos(tilt), math.sin(tilt)
        us = [x * cos + y * sin for x, y in item.box.points]
        vs = [y * cos - x * sin for x, y in item.box.points]
        height = max(item.box.thickness, 1.0)
        return cls(item, min(us), max(us), statistics.fmean(vs), height)


def _row_for(rows: list[list[_Placed]], item: _Placed) -> list[_Placed] | None:
    best, best_distance = None, math.inf
    for row in rows[-4:]:
        centre = statistics.fmean(p.v for p in row)
        height = max(item.height, statistics.fmean(p.height for p in row))
        distance = abs(item.v - centre)
        if distance <= ROW_TOLERANCE * height and distance < best_distance:
            best, best_distance = row, distance
    return best


def _split_columns(row: list[_Placed]) -> list[TextLine]:
    row = sorted(row, key=lambda p: p.u_start)
    height = statistics.median(p.height for p in row)
    lines, current = [], [row[0]]
    for item in row[1:]:
        if item.u_start - current[-1].u_end > COLUMN_GAP * height:
            lines.append(current)
            current = []
        current.append(item)
    lines.append(current)
    return [TextLine(tuple(p.item for p in line)) for line in lines]
