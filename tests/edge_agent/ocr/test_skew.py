"""Levelling a tilted photo for tesseract, and mapping boxes back."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from edge_agent.ocr.skew import estimate_tilt, level


def text_card(angle: float) -> Image.Image:
    card = Image.new("L", (900, 500), 235)
    draw = ImageDraw.Draw(card)
    font = ImageFont.load_default(size=40)
    for row, text in enumerate(
        [
            "HYDRAFLOW PUMP",
            "P/N 4471-A20-339",
            "S/N HFP-204518",
            "MODEL HP-300 YEAR 2021",
            "400 V 50 Hz 7.5 kW",
        ]
    ):
        draw.text((60, 40 + 85 * row), text, fill=20, font=font)
    return card.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90
    )


@pytest.mark.parametrize("tilt", [-20, -12, 14, 24])
def test_a_clear_tilt_is_found(tilt: float) -> None:
    # The card turned by ``tilt`` is levelled by turning it back.
    assert estimate_tilt(text_card(tilt)) == pytest.approx(-tilt, abs=2)


def test_level_text_is_left_alone() -> None:
    assert estimate_tilt(text_card(0)) == 0.0
    assert estimate_tilt(text_card(3)) == 0.0


def _grey(image: Image.Image, x: int, y: int) -> float:
    value = image.getpixel((x, y))
    assert isinstance(value, int | float)
    return value


def test_levelled_points_map_back_to_the_photo() -> None:
    image = Image.new("L", (400, 200), 255)
    image.paste(0, (298, 48, 303, 53))  # a dark dot centred on (300.5, 50.5)

    turned, back = level(image, 30)

    dark = [
        (x + 0.5, y + 0.5)
        for x in range(turned.width)
        for y in range(turned.height)
        if _grey(turned, x, y) < 60
    ]
    centre = (sum(x for x, _ in dark) / len(dark), sum(y for _, y in dark) / len(dark))
    assert back(centre) == pytest.approx((300.5, 50.5), abs=1.5)
