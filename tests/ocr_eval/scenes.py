"""What is printed: part labels, nameplates and scanner screens of the demo fleet.

Every item is drawn flat and face-on (RGBA, transparent outside the item) with
the codes of the demo knowledge base, printed labels in their usual variants
and distractors a real item carries: lot numbers, dates, ratings, phone
numbers, VINs, barcodes. The caller turns, warps and photographs it.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from edge_agent.knowledge import demo_data_dir

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
"""Standard system font folders, searched at run time."""

SANS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSans-Bold.ttf",
    "FreeSans.ttf",
    "FreeSansBold.ttf",
)
MONO = (
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "LiberationMono-Regular.ttf",
    "LiberationMono-Bold.ttf",
    "FreeMonoBold.ttf",
)
SERIF = ("DejaVuSerif.ttf", "LiberationSerif-Bold.ttf", "FreeSerifBold.ttf")
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
CODE_SIZE = 48
"""Pixel size of the font codes are drawn in (before the item is photographed)."""


@dataclass(frozen=True, slots=True)
class Family:
    brand: str
    product: str
    fault_letter: str
    fault_digits: int
    part_prefix: str
    serial_prefix: str
    models: tuple[str, ...]


FAMILIES = (
    Family(
        "HydraFlow", "CENTRIFUGAL PUMP", "E", 2, "4471", "HFP", ("HP-300", "HP-350")
    ),
    Family("AirMax", "AIR COMPRESSOR", "C", 3, "5208", "AMX", ("AC-55", "AC-75")),
    Family(
        "PowerGen", "DIESEL GENERATOR SET", "G", 3, "6630", "PGD", ("DG-45", "DG-60")
    ),
)


@dataclass(frozen=True, slots=True)
class Pools:
    """Codes of the demo KB: fault codes and parts (with descriptions)."""

    faults: dict[str, str]
    parts: dict[str, str]

    def faults_of(self, family: Family) -> list[str]:
        return [c for c in self.faults if c.startswith(family.fault_letter + "-")]

    def parts_of(self, family: Family) -> list[str]:
        return [p for p in self.parts if p.startswith(family.part_prefix + "-")]

    def unknown_fault(self, rng: random.Random, family: Family) -> str:
        while True:
            number = rng.randrange(
                10 ** (family.fault_digits - 1), 10**family.fault_digits
            )
            code = f"{family.fault_letter}-{number}"
            if code not in self.faults:
                return code


@cache
def load_pools() -> Pools:
    folder = demo_data_dir()
    with (folder / "fault-codes.csv").open(encoding="utf-8") as f:
        faults = {row["code"]: row["description"] for row in csv.DictReader(f)}
    with (folder / "parts.csv").open(encoding="utf-8") as f:
        parts = {row["part_number"]: row["description"] for row in csv.DictReader(f)}
    return Pools(faults, parts)


@cache
def font_files() -> dict[str, Path]:
    """Font files by name, found in the standard system folders."""
    wanted = set(SANS + MONO + SERIF)
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob("*.tt[fc]"):
                if path.name in wanted and path.name not in found:
                    found[path.name] = path
    return found


def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_files().get(name)
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size)


def pick_font(rng: random.Random, group: Sequence[str]) -> str:
    available = [name for name in group if name in font_files()] or list(group)
    return rng.choice(available)


@dataclass(slots=True)
class Item:
    """A drawn item: its image, every string printed on it, and its look."""

    image: Image.Image
    texts: list[str] = field(default_factory=list)
    paper: tuple[int, int, int] = (255, 255, 255)
    fonts: list[str] = field(default_factory=list)
    kind: str = ""
    codes: list[tuple[str, str]] = field(default_factory=list)
    """Kind and value of each code drawn, where the scene records them."""
    rows: list[tuple[float, float, float]] = field(default_factory=list)
    """Top, bottom and capital height (item pixels) of each string in ``texts``."""


class Layout:
    """Lines of text stacked on a card, each line one or more spans."""

    def __init__(self, rng: random.Random, face: str, ink: tuple[int, int, int]):
        self.rng, self.face, self.ink = rng, face, ink
        self.rows: list[tuple[list[str], int, str]] = []

    def add(self, *spans: str, scale: float = 1.0, face: str | None = None) -> None:
        self.rows.append((list(spans), int(CODE_SIZE * scale), face or self.face))

    def render(
        self, paper: tuple[int, int, int], *, pad: int = 36, rounded: bool = True
    ) -> Item:
        measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        sizes = []
        for spans, size, face in self.rows:
            f = font(face, size)
            gap = size * 1.2
            widths = [measure.textlength(s, font=f) for s in spans]
            sizes.append((sum(widths) + gap * (len(spans) - 1), size))
        width = int(max(w for w, _ in sizes) + 2 * pad)
        height = int(sum(s * 1.45 for _, s in sizes) + 2 * pad)
        image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        radius = 18 if rounded else 2
        draw.rounded_rectangle(
            (0, 0, width - 1, height - 1), radius, fill=(*paper, 255)
        )
        y = float(pad)
        texts, fonts = [], []
        rows: list[tuple[float, float, float]] = []
        for spans, size, face in self.rows:
            f = font(face, size)
            x = float(pad)
            for span in spans:
                draw.text((x, y), span, font=f, fill=self.ink)
                x += measure.textlength(span, font=f) + size * 1.2
            texts.append("  ".join(spans))
            fonts.append(face)
            rows.append((y, y + size * 1.2, size * 0.72))
            y += size * 1.45
        return Item(image, texts, paper, fonts, rows=rows)


def date(rng: random.Random, first: int, last: int) -> str:
    year = rng.randint(first, last)
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _part_label_value(rng: random.Random, part: str) -> list[tuple[str, ...]]:
    style = rng.randrange(6)
    if style == 0:
        return [(f"P/N {part}",)]
    if style == 1:
        return [(f"P/N: {part}",)]
    if style == 2:
        return [(f"PART NO. {part}",)]
    if style == 3:
        return [("PART NUMBER",), (part,)]
    if style == 4:
        return [(f"Part No {part}",)]
    return [(part,)]


def part_label(rng: random.Random, pools: Pools) -> Item:
    family = rng.choice(FAMILIES)
    part = rng.choice(pools.parts_of(family))
    layout = Layout(rng, pick_font(rng, SANS), rng.choice([(10, 10, 10), (25, 25, 60)]))
    layout.add(family.brand.upper(), scale=1.1, face=pick_font(rng, SANS))
    layout.add(pools.parts[part][:30], scale=0.7)
    for spans in _part_label_value(rng, part):
        layout.add(*spans)
    if rng.random() < 0.35:
        layout.add(f"FOR {rng.choice(family.models)}", scale=0.75)
    layout.add(
        f"LOT {rng.randint(2101, 2412)}-{rng.randint(1, 60):02d}",
        f"QTY {rng.randint(1, 12)}",
        scale=0.6,
    )
    if rng.random() < 0.6:
        layout.add(f"MFD {date(rng, 2019, 2025)}", scale=0.6)
    item = paper_label(rng, layout)
    item.kind = "part_label"
    return item


def paper_label(rng: random.Random, layout: Layout) -> Item:
    """A label laid out on paper of a random colour, with a barcode."""
    paper = rng.choice(
        [(250, 250, 245), (255, 236, 150), (225, 228, 232), (255, 255, 255)]
    )
    item = layout.render(paper)
    with_barcode(rng, item)
    return item


def with_barcode(rng: random.Random, item: Item) -> None:
    """The label grown at the bottom for a barcode, as most part labels carry."""
    w, h = item.image.size
    grown = Image.new("RGBA", (w, h + 60), (0, 0, 0, 0))
    draw = ImageDraw.Draw(grown)
    draw.rounded_rectangle((0, 0, w - 1, h + 59), 18, fill=(*item.paper, 255))
    grown.alpha_composite(item.image)
    x, top, bottom = w * 0.55, h - 10, h + 42
    while x < w - 30:
        bar = rng.choice((2, 3, 5))
        draw.rectangle((x, top, x + bar, bottom), fill=(20, 20, 20, 255))
        x += bar + rng.choice((2, 3, 4))
    item.image = grown


def nameplate(rng: random.Random, pools: Pools) -> Item:
    family = rng.choice(FAMILIES)
    model = rng.choice(family.models)
    serial = f"{family.serial_prefix}-{rng.randint(100000, 999999)}"
    layout = Layout(rng, pick_font(rng, SANS + SERIF), (20, 20, 25))
    layout.add(family.brand, scale=1.2, face=pick_font(rng, SANS))
    layout.add(family.product, scale=0.7)
    style = rng.randrange(4)
    layout.add(f"MODEL {model}", f"YEAR {rng.randint(2012, 2025)}", scale=0.9)
    if style == 0:
        layout.add(f"S/N {serial}", scale=0.9)
    elif style == 1:
        layout.add("SERIAL NO.", scale=0.7)
        layout.add(serial, scale=0.9)
    elif style == 2:
        layout.add(f"SER NO: {serial}", scale=0.9)
    else:
        layout.add(f"S/N: {serial}", scale=0.9)
    volts = rng.choice(("400 V 3~ 50 Hz", "230/400 V 50 Hz", "480 V 60 Hz"))
    layout.add(volts, f"{rng.choice((5.5, 7.5, 11, 15, 45))} kW", scale=0.6)
    layout.add(
        f"IP{rng.choice((54, 55, 65))}",
        f"{rng.choice((1450, 2900, 1500))} min-1",
        scale=0.6,
    )
    if family.fault_letter == "G" and rng.random() < 0.7:
        vin = "".join(rng.choice(VIN_CHARS) for _ in range(17))
        layout.add(f"VIN {vin}", scale=0.6)
    if rng.random() < 0.3:
        layout.add(f"SEAL KIT {rng.choice(pools.parts_of(family))}", scale=0.7)
    if rng.random() < 0.6:
        area, block = rng.randint(113, 191), rng.randint(100, 999)
        layout.add(f"SERVICE +44 {area} {block} {rng.randint(1000, 9999)}", scale=0.55)
    paper = rng.choice(
        [(200, 203, 208), (214, 210, 196), (185, 190, 196), (232, 232, 228)]
    )
    item = layout.render(paper, rounded=False)
    rivets(item.image)
    item.kind = "nameplate"
    return item


def rivets(image: Image.Image) -> None:
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for x, y in ((14, 14), (w - 14, 14), (14, h - 14), (w - 14, h - 14)):
        draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=(120, 120, 125, 255))


SCREEN_STYLES = (
    ((12, 16, 28), (235, 240, 245)),
    ((8, 20, 10), (120, 255, 140)),
    ((20, 14, 6), (255, 190, 80)),
    ((160, 176, 140), (25, 35, 25)),
)
NO_FAULT_LINES = (
    ("NO ACTIVE FAULTS",),
    ("SYSTEM OK", "READY"),
    ("ALL CHECKS PASSED",),
)


def screen(
    rng: random.Random, pools: Pools, *, with_codes: bool = True, unknown: bool = False
) -> Item:
    family = rng.choice(FAMILIES)
    paper, ink = rng.choice(SCREEN_STYLES)
    layout = Layout(rng, pick_font(rng, MONO), ink)
    if rng.random() < 0.5 and with_codes:
        layout.add(f"{family.brand} {rng.choice(family.models)}", scale=0.7)
    else:
        layout.add(f"SCAN TOOL V{rng.randint(1, 4)}.{rng.randint(0, 9)}", scale=0.7)
    if with_codes:
        faults = rng.sample(pools.faults_of(family), rng.randint(1, 3))
        if unknown:
            faults[-1] = pools.unknown_fault(rng, family)
        layout.add(f"ACTIVE FAULTS: {len(faults)}", scale=0.7)
        for code in faults:
            text = pools.faults.get(code, "NO DESCRIPTION").upper()[:22]
            layout.add(code, text, scale=rng.choice((0.8, 0.9, 1.0)))
    else:
        for line in rng.choice(NO_FAULT_LINES):
            layout.add(line, scale=0.9)
        layout.add(
            f"PRESS {rng.uniform(5, 9):.1f} BAR",
            f"TEMP {rng.randint(60, 95)} C",
            scale=0.7,
        )
    day = date(rng, 2023, 2025)
    layout.add(
        day,
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        f"RUN {rng.randint(10, 9999)} H",
        scale=0.6,
    )
    layout.add("[ESC] BACK", "[OK] DETAILS", scale=0.55)
    lcd = layout.render(paper, pad=40, rounded=False)
    return in_device(rng, lcd)


def in_device(rng: random.Random, lcd: Item) -> Item:
    """The LCD inside a handheld scanner's dark plastic body."""
    w, h = lcd.image.size
    border = int(max(w, h) * rng.uniform(0.05, 0.09))
    body = Image.new("RGBA", (w + 2 * border, h + 3 * border), (0, 0, 0, 0))
    draw = ImageDraw.Draw(body)
    shade = rng.randint(30, 70)
    draw.rounded_rectangle(
        (0, 0, body.width - 1, body.height - 1),
        border,
        fill=(shade, shade, shade + 8, 255),
    )
    body.paste(lcd.image, (border, border), lcd.image)
    lcd.image, lcd.kind = body, "screen"
    lcd.rows = [(top + border, bottom + border, cap) for top, bottom, cap in lcd.rows]
    return lcd


def scene_items(
    rng: random.Random,
    scene: str,
    *,
    unknown: bool,
    label: Callable[[random.Random], Item],
    plate: Callable[[random.Random], Item],
    display: Callable[..., Item],
    mixed: Sequence[Callable[[random.Random], Item]],
) -> list[Item]:
    """The items of one photo of ``scene``, from one set's item makers: a
    label, a plate, a screen (with or without codes), or several of ``mixed``."""
    if scene == "part_label":
        return [label(rng)]
    if scene == "nameplate":
        return [plate(rng)]
    if scene == "screen":
        return [display(rng, unknown=unknown)]
    if scene == "no_code_screen":
        return [display(rng, with_codes=False)]
    return [rng.choice(mixed)(rng) for _ in range(rng.choice((2, 2, 3)))]
