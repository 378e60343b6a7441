"""Boxes read again turned half round: upside-down items among upright ones.

Detection finds upside-down text as readily as upright text; recognition then
returns poor, low-scoring readings. Engines that can (:class:`TurnReader`)
recognise such boxes again turned half round, and the better reading wins.
Once some text proved upside down, the rest is tried turned as well, and
inside the upside-down area a turned reading wins even when it scores a little
lower: some codes read almost as well either way up (``E-60`` and ``09-3``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from PIL import Image

from edge_agent.ocr.engine import Box, TextBox, TurnReader

GAIN = 0.05
"""How much better a turned reading must score to replace the first one."""

TOLERANCE = 0.05
"""Inside an area found upside down, how much worse a turned reading may score."""

MIN_SCORE = 0.75
"""A turned reading scoring less is no reading at all (garbage either way up)."""

MAX_BOXES = 48
"""Most boxes read again in one step (a photo full of garbage stays cheap)."""


def reread_turned(
    engine: TurnReader, image: Image.Image, boxes: Sequence[TextBox], *, below: float
) -> list[TextBox]:
    """``boxes`` with the poorly read ones (score under ``below``) read turned."""
    doubtful = [
        i for i, box in enumerate(boxes) if box.score < below and len(box.text) >= 2
    ][:MAX_BOXES]
    better, won = _replaced(engine, image, list(boxes), doubtful, lambda _: GAIN)
    if not won:
        return better
    area = _area([better[i].box for i in won])
    rest = [i for i in range(len(boxes)) if i not in doubtful][:MAX_BOXES]

    def margin(index: int) -> float:
        return -TOLERANCE if _inside(boxes[index].box, area) else GAIN

    better, _ = _replaced(engine, image, better, rest, margin)
    return better


def _replaced(
    engine: TurnReader,
    image: Image.Image,
    boxes: list[TextBox],
    indices: list[int],
    margin: Callable[[int], float],
) -> tuple[list[TextBox], list[int]]:
    """``boxes`` with turned readings that win by ``margin``; and which won."""
    if not indices:
        return boxes, []
    again = engine.read_turned(image, [boxes[i] for i in indices])
    better, won = list(boxes), []
    for index, turned in zip(indices, again, strict=True):
        score = turned.score
        if score >= MIN_SCORE and score >= boxes[index].score + margin(index):
            better[index] = turned
            won.append(index)
    return better, won


def _area(boxes: Sequence[Box]) -> tuple[float, float, float, float]:
    """The region around ``boxes``, grown by two text heights each way."""
    pad = 2 * statistics.median(box.thickness for box in boxes)
    return (
        min(b.left for b in boxes) - pad,
        min(b.top for b in boxes) - pad,
        max(b.right for b in boxes) + pad,
        max(b.bottom for b in boxes) + pad,
    )


def _inside(box: Box, area: tuple[float, float, float, float]) -> bool:
    x, y = box.center
    left, top, right, bottom = area
    return left <= x <= right and top <= y <= bottom
