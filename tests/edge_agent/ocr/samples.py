"""Hand-made engine output for tests of the pure steps (lines, codes), and a
hand-made photo that a real engine reads poorly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from edge_agent.ocr import Box, TextBox


def line_boxes(
    rows: Sequence[str], *, score: float = 0.97, char_width: float = 20.0
) -> list[TextBox]:
    """One upright box per row of text, rows 40 pixels apart, left aligned."""
    return [
        TextBox(text, Box.from_rect(10, 10 + 40 * i, char_width * len(text), 30), score)
        for i, text in enumerate(rows)
    ]


def smeared_code(path: Path) -> Box:
    """``E-42`` in grey on grey, smeared sideways as by a shaking hand (the
    engine reads it, with a low score); returns where it was drawn."""
    import numpy as np

    from tests.ocr_eval.scenes import font

    image = Image.new("L", (360, 140), 205)
    draw = ImageDraw.Draw(image)
    drawn = font("DejaVuSans.ttf", 44)
    draw.text((80, 45), "E-42", fill=100, font=drawn)
    left, top, right, bottom = draw.textbbox((80, 45), "E-42", font=drawn)
    pixels = np.asarray(image, dtype=float)
    smeared = sum(np.roll(pixels, shift, axis=1) for shift in range(18)) / 18
    Image.fromarray(smeared.astype("uint8")).convert("RGB").save(path)
    return Box.from_rect(left, top, right - left + 17, bottom - top)
