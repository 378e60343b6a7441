"""Hand-made engine output for tests of the pure steps (lines, codes)."""

from __future__ import annotations

from collections.abc import Sequence

from edge_agent.ocr import Box, TextBox


def line_boxes(
    rows: Sequence[str], *, score: float = 0.97, char_width: float = 20.0
) -> list[TextBox]:
    """One upright box per row of text, rows 40 pixels apart, left aligned."""
    return [
        TextBox(text, Box.from_rect(10, 10 + 40 * i, char_width * len(text), 30), score)
        for i, text in enumerate(rows)
    ]
