"""Codes that are not printed: seven-segment readouts, dot-peen and engraved plates.

Drawn with pillow's primitives: segments are polygons, dot-peen characters
are ellipses on a 5 by 7 matrix, and engraved letters are the fonts the
project's set-up installs, cut in with a shadow and a highlight. Every item
is flat and face-on (RGBA, transparent outside it) and records the strings it
carries, as the printed items do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from tests.ocr_eval.scenes import (
    FAMILIES,
    MONO,
    SANS,
    Item,
    Pools,
    font,
    pick_font,
    rivets,
)

SEGMENTS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abdeg",
    "3": "abcdg",
    "4": "bcfg",
    "5": "acdfg",
    "6": "acdefg",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
    "E": "adefg",
    "C": "adef",
    "G": "acdef",
    "-": "g",
    " ": "",
}
"""Lit segments of each character a fault readout shows (a top, then clockwise,
g the middle bar)."""

SEGMENT_COLOURS = (
    ((18, 6, 6), (255, 48, 32)),
    ((6, 16, 8), (70, 255, 120)),
    ((14, 12, 4), (255, 176, 40)),
    ((168, 178, 150), (28, 34, 26)),
)
"""Background and lit colour: red, green and amber LEDs, a reflective LCD."""


@dataclass(frozen=True, slots=True)
class SegmentLook:
    """How a seven-segment readout shows.

    Attributes:
        digit_px: Height of a character, in pixels of the item.
        bleed: Glow round lit segments, as a fraction of the segment width
            (0: none; 0.6: the glow reaches the next segment).
        ghost: Brightness of unlit segments, as a share of the lit colour
            (0.05: barely there; 0.3: an unlit segment shows faintly).
    """

    digit_px: int = 96
    bleed: float = 0.0
    ghost: float = 0.05


def _segment_polygons(
    left: float, top: float, height: float
) -> dict[str, list[tuple[float, float]]]:
    """Each segment of a character cell as a hexagon, with a slight slant."""
    width, t = height * 0.55, height * 0.12
    half, gap = t / 2, t * 0.18
    slant = height * 0.08

    def x(px: float, py: float) -> float:
        return left + px + slant * (1 - (py - top) / height)

    def across(y: float, x0: float, x1: float) -> list[tuple[float, float]]:
        points = [
            (x0 + gap, y),
            (x0 + gap + half, y - half),
            (x1 - gap - half, y - half),
            (x1 - gap, y),
            (x1 - gap - half, y + half),
            (x0 + gap + half, y + half),
        ]
        return [(x(px - left, py), py) for px, py in points]

    def down(px: float, y0: float, y1: float) -> list[tuple[float, float]]:
        points = [
            (px, y0 + gap),
            (px + half, y0 + gap + half),
            (px + half, y1 - gap - half),
            (px, y1 - gap),
            (px - half, y1 - gap - half),
            (px - half, y0 + gap + half),
        ]
        return [(x(qx - left, qy), qy) for qx, qy in points]

    y_top, y_mid, y_bottom = top + half, top + height / 2, top + height - half
    x_left, x_right = left + half, left + width - half
    return {
        "a": across(y_top, x_left, x_right),
        "b": down(x_right, y_top, y_mid),
        "c": down(x_right, y_mid, y_bottom),
        "d": across(y_bottom, x_left, x_right),
        "e": down(x_left, y_mid, y_bottom),
        "f": down(x_left, y_top, y_mid),
        "g": across(y_mid, x_left, x_right),
    }


def segment_text(
    text: str, look: SegmentLook, lit: tuple[int, int, int], back: tuple[int, int, int]
) -> Image.Image:
    """``text`` in seven-segment characters on ``back`` (RGB)."""
    height = look.digit_px
    pitch = height * 0.78
    pad = height * 0.35
    size = (int(pitch * len(text) + 2 * pad), int(height + 2 * pad))
    lit_mask = Image.new("L", size, 0)
    off_mask = Image.new("L", size, 0)
    lit_draw, off_draw = ImageDraw.Draw(lit_mask), ImageDraw.Draw(off_mask)
    for index, char in enumerate(text):
        if char == " ":
            continue
        polygons = _segment_polygons(pad + index * pitch, pad, height)
        on = SEGMENTS[char]
        for name, polygon in polygons.items():
            (lit_draw if name in on else off_draw).polygon(polygon, fill=255)
    image = Image.new("RGB", size, back)
    if look.ghost > 0:
        faint = _mix(back, lit, look.ghost)
        image.paste(faint, (0, 0), off_mask)
    if look.bleed > 0:
        radius = look.bleed * height * 0.12
        glow = lit_mask.filter(ImageFilter.GaussianBlur(radius)).point(
            lambda v: min(255, int(v * 1.6))
        )
        image.paste(_mix(back, lit, 0.7), (0, 0), glow)
    image.paste(lit, (0, 0), lit_mask)
    return image


def _mix(
    back: tuple[int, int, int], front: tuple[int, int, int], share: float
) -> tuple[int, int, int]:
    r, g, b = (round(a + (f - a) * share) for a, f in zip(back, front, strict=True))
    return (r, g, b)


def seven_segment(
    rng: random.Random,
    pools: Pools,
    *,
    look: SegmentLook,
    unknown: bool = False,
    distractor: str = "",
) -> Item:
    """A code reader's readout: a fault code in segments under a printed legend."""
    family = rng.choice(FAMILIES)
    code = rng.choice(pools.faults_of(family))
    if unknown:
        code = pools.unknown_fault(rng, family)
    back, lit = rng.choice(SEGMENT_COLOURS)
    shown = code + (f"  {distractor}" if distractor else "")
    readout = segment_text(shown, look, lit, back)
    legend_face = pick_font(rng, SANS)
    legend = font(legend_face, int(look.digit_px * 0.32))
    border = int(look.digit_px * 0.3)
    top = int(look.digit_px * 0.55)
    w, h = readout.width + 2 * border, readout.height + top + border
    body = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(body)
    shade = rng.randint(35, 75)
    draw.rounded_rectangle(
        (0, 0, w - 1, h - 1), border, fill=(shade, shade, shade + 6, 255)
    )
    draw.text(
        (border, border // 2),
        f"{family.brand.upper()}  FAULT",
        font=legend,
        fill=(225, 225, 225),
    )
    body.paste(readout, (border, top))
    item = Item(
        body, [shown], (shade, shade, shade + 6), [legend_face], "seven_segment"
    )
    pad = look.digit_px * 0.35
    item.rows = [(top + pad, top + pad + look.digit_px, float(look.digit_px))]
    return item


DOT_FONT = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ":": "00000 01100 01100 00000 01100 01100 00000",
}
"""The 5 by 7 dot matrix a dot-peen marker strikes, row by row (1: a dot)."""


def _glyph_cells(char: str) -> list[tuple[int, int]]:
    """Grid cells (column, row) a dot-peen marker strikes for ``char``."""
    rows = DOT_FONT.get(char.upper(), "").split()
    return [
        (x, y) for y, row in enumerate(rows) for x, bit in enumerate(row) if bit == "1"
    ]


def _metal(
    rng: random.Random, size: tuple[int, int]
) -> tuple[Image.Image, tuple[int, int, int]]:
    """Brushed metal: a grey with fine horizontal streaks and a soft gradient."""
    grey = rng.randint(150, 195)
    base = (grey, grey, grey + rng.randint(0, 8))
    plate = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(plate)
    for y in range(size[1]):
        shade = grey + rng.randint(-9, 9)
        draw.line((0, y, size[0], y), fill=(shade, shade, shade + 4))
    shine = Image.linear_gradient("L").resize(size).point(lambda v: v // 5)
    return ImageChops.add(plate, Image.merge("RGB", (shine,) * 3), offset=-20), base


def dot_peen(
    rng: random.Random, pools: Pools, *, dot_px: float = 9.0, distractor: str = ""
) -> Item:
    """A metal plate with a serial number and part number struck in dots."""
    family = rng.choice(FAMILIES)
    serial = f"{family.serial_prefix}-{rng.randint(100000, 999999)}"
    lines = [f"S/N {serial}"]
    if rng.random() < 0.5:
        lines.append(f"P/N {rng.choice(pools.parts_of(family))}")
    if distractor:
        lines.append(distractor)
    columns, rows = 5, 7
    pitch = dot_px * 1.45
    char_w, char_h = (columns + 1.4) * pitch, (rows + 3) * pitch
    pad = int(char_h * 0.6)
    width = int(max(len(line) for line in lines) * char_w + 2 * pad)
    height = int(len(lines) * char_h + 2 * pad)
    plate, base = _metal(rng, (width, height))
    draw = ImageDraw.Draw(plate)
    radius = dot_px / 2
    item_rows = []
    for row, line in enumerate(lines):
        top = pad + row * char_h
        item_rows.append((top, top + rows * pitch, (rows - 1) * pitch + dot_px))
        for index, char in enumerate(line):
            left = pad + index * char_w
            for cx, cy in _glyph_cells(char):
                x, y = left + cx * pitch, top + cy * pitch
                draw.ellipse(
                    (x - radius, y - radius, x + radius, y + radius), fill=(70, 70, 74)
                )
                r = radius * 0.45
                draw.ellipse(
                    (x - r - 1, y - r - 1, x + r - 1, y + r - 1), fill=(40, 40, 44)
                )
                draw.arc(
                    (x - radius, y - radius, x + radius, y + radius),
                    200,
                    340,
                    fill=(225, 225, 228),
                    width=max(1, int(radius * 0.3)),
                )
    image = plate.convert("RGBA")
    rivets(image)
    item = Item(image, lines, base, ["dot matrix 5x7"], "dot_peen")
    item.rows = item_rows
    return item


def engraved(rng: random.Random, pools: Pools, *, distractor: str = "") -> Item:
    """A metal plate with model, part and serial engraved: grooves, no ink."""
    family = rng.choice(FAMILIES)
    serial = f"{family.serial_prefix}-{rng.randint(100000, 999999)}"
    lines = [
        family.brand.upper(),
        f"MODEL {rng.choice(family.models)}",
        f"S/N {serial}",
    ]
    if rng.random() < 0.6:
        lines.append(f"P/N {rng.choice(pools.parts_of(family))}")
    if distractor:
        lines.append(distractor)
    face = pick_font(rng, SANS + MONO)
    size = 48
    f = font(face, size)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    pad = 40
    width = int(max(measure.textlength(line, font=f) for line in lines) + 2 * pad)
    height = int(len(lines) * size * 1.5 + 2 * pad)
    plate, base = _metal(rng, (width, height))
    draw = ImageDraw.Draw(plate)
    depth = rng.choice((1, 2))
    groove = tuple(max(0, c - rng.randint(45, 70)) for c in base)
    item_rows = []
    for row, line in enumerate(lines):
        y = pad + row * size * 1.5
        item_rows.append((y, y + size * 1.2, size * 0.72))
        draw.text((pad - depth, y - depth), line, font=f, fill=(40, 40, 42))
        draw.text((pad + depth, y + depth), line, font=f, fill=(245, 245, 245))
        draw.text((pad, y), line, font=f, fill=groove)
    image = plate.convert("RGBA")
    rivets(image)
    item = Item(image, lines, base, [face], "engraved")
    item.rows = item_rows
    return item
