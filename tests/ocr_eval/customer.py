"""What is printed for a customer's knowledge base that has no ``kb.toml``.

The customer runs solar chargers whose fault codes are the evaluation code
table ``tests/data/eval_kbs/victron-mppt/error-codes.csv`` (``Err 2``,
``Information 65``), and keeps parts and assets from many makers. Its part
and serial numbers are drawn at random in the makers' shapes
(:mod:`tests.ocr_eval.shapes`); most of them are listed in its tables, some
are not. Every item records the codes it draws, so the truth is what was
printed; the ratings, dates, lots and quantities around them are not codes.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from tests.ocr_eval.scenes import (
    MONO,
    SANS,
    SCREEN_STYLES,
    SERIF,
    Item,
    Layout,
    date,
    in_device,
    paper_label,
    pick_font,
    rivets,
    scene_items,
)
from tests.ocr_eval.shapes import FAULT_PATTERN, PART_SHAPES, SERIAL_SHAPES, Shape

FAULT_TABLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "eval_kbs"
    / "victron-mppt"
    / "error-codes.csv"
)
POOL_SIZE = 8
"""Values drawn per shape."""
LISTED = 6
"""Of those, how many the customer's tables list (the rest are unknown)."""
KB_FOLDER = "kb"
"""Folder of the generated set holding the customer's tables."""
PARTS_FILE, ASSETS_FILE = "parts.csv", "assets.csv"
CHARGERS = (
    "SmartSolar MPPT 100/30",
    "SmartSolar MPPT 150/35",
    "BlueSolar MPPT 75/15",
    "SmartSolar MPPT 250/70",
)
SITES = ("PUMP HOUSE", "ROOF ARRAY", "PLANT ROOM", "WORKSHOP", "BOREHOLE")


@dataclass(frozen=True, slots=True)
class CustomerPools:
    """The customer's codes: its fault table, and parts and serials by shape."""

    faults: dict[str, str]
    parts: dict[str, tuple[str, ...]]
    serials: dict[str, tuple[str, ...]]

    def known(self, kind: str, value: str) -> bool:
        """Whether the customer's tables list ``value``."""
        if kind == "fault_code":
            return spelling(value) in {spelling(code) for code in self.faults}
        return value in self.listed

    @property
    def listed(self) -> frozenset[str]:
        """Part and serial numbers the customer's tables list."""
        pools = [*self.parts.values(), *self.serials.values()]
        return frozenset(value for pool in pools for value in pool[:LISTED])

    def unknown_fault(self, rng: random.Random) -> str:
        while True:
            code = f"Err {rng.randint(1, 220)}"
            if code not in self.faults:
                return code


def spelling(value: str) -> str:
    """A code as the reader reports it: capitals, single spaces."""
    return " ".join(value.upper().split())


@cache
def fault_table() -> dict[str, str]:
    with FAULT_TABLE.open(encoding="utf-8") as f:
        return {row["code"]: row["description"] for row in csv.DictReader(f)}


@cache
def customer_pools(seed: int) -> CustomerPools:
    """Values drawn for every shape, seeded: the same seed, the same tables."""
    rng = random.Random(f"{seed}:customer-kb")
    return CustomerPools(
        fault_table(),
        {shape.name: _pool(rng, shape) for shape in PART_SHAPES},
        {shape.name: _pool(rng, shape) for shape in SERIAL_SHAPES},
    )


def _pool(rng: random.Random, shape: Shape) -> tuple[str, ...]:
    values: dict[str, None] = {}
    while len(values) < POOL_SIZE:
        values[shape.draw(rng)] = None
    return tuple(values)


def write_kb(folder: Path, pools: CustomerPools) -> None:
    """The customer's tables, as a customer would hand them over: no kb.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FAULT_TABLE.name).write_bytes(FAULT_TABLE.read_bytes())
    parts = [
        (value, shape.product.capitalize() + f", {shape.brand}")
        for shape in PART_SHAPES
        for value in pools.parts[shape.name][:LISTED]
    ]
    assets = [
        (value, f"{shape.product.capitalize()}, {SITES[i % len(SITES)].lower()}")
        for shape in SERIAL_SHAPES
        for i, value in enumerate(pools.serials[shape.name][:LISTED])
    ]
    _write_csv(folder / PARTS_FILE, ("part_number", "description"), parts)
    _write_csv(folder / ASSETS_FILE, ("serial_number", "description"), assets)


def _write_csv(
    path: Path, header: tuple[str, str], rows: list[tuple[str, str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def declared_toml() -> str:
    """A ``kb.toml`` declaring the formats of every shape drawn."""
    entries = [("fault_code", FAULT_PATTERN, "Err 2")]
    entries += [(s.kind, s.pattern, s.example) for s in (*PART_SHAPES, *SERIAL_SHAPES)]
    blocks = ['[kb]\nname = "Customer fleet"\n']
    for kind, pattern, example in entries:
        blocks.append(
            f"[[code_formats]]\nkind = \"{kind}\"\npattern = '{pattern}'\n"
            f'example = "{example}"\n'
        )
    return "\n".join(blocks)


def items(
    rng: random.Random, pools: CustomerPools, scene: str, *, unknown: bool
) -> list[Item]:
    """The items of one photo of ``scene`` (the scenes of the demo set)."""
    label = partial(part_label, pools=pools)
    plate = partial(nameplate, pools=pools)
    return scene_items(
        rng,
        scene,
        unknown=unknown,
        label=label,
        plate=plate,
        display=partial(screen, pools=pools),
        mixed=[label, plate, partial(fault_tag, pools=pools)],
    )


def _part_lines(rng: random.Random, value: str) -> list[tuple[str, ...]]:
    label = rng.choice(("P/N", "P/N:", "PART NO.", "Part No", "PN:", "above"))
    if label == "above":
        return [("PART NUMBER",), (value,)]
    return [(f"{label} {value}",)]


def _serial_lines(rng: random.Random, value: str) -> list[tuple[str, ...]]:
    label = rng.choice(("S/N", "S/N:", "SN:", "SER NO", "Serial No.", "above"))
    if label == "above":
        return [("SERIAL NO.",), (value,)]
    return [(f"{label} {value}",)]


def _part(rng: random.Random, pools: CustomerPools) -> tuple[Shape, str]:
    shape = rng.choice(PART_SHAPES)
    return shape, rng.choice(pools.parts[shape.name])


def _serial(rng: random.Random, pools: CustomerPools) -> tuple[Shape, str]:
    shape = rng.choice(SERIAL_SHAPES)
    return shape, rng.choice(pools.serials[shape.name])


def part_label(rng: random.Random, pools: CustomerPools) -> Item:
    shape, value = _part(rng, pools)
    layout = Layout(rng, pick_font(rng, SANS), rng.choice([(10, 10, 10), (25, 25, 60)]))
    layout.add(shape.brand, scale=1.1, face=pick_font(rng, SANS))
    layout.add(shape.product, scale=0.7)
    for spans in _part_lines(rng, value):
        layout.add(*spans)
    layout.add(
        f"LOT {rng.randint(2101, 2412)}-{rng.randint(1, 60):02d}",
        f"QTY {rng.choice((1, 2, 5, 10, 20, 50))}",
        scale=0.6,
    )
    if rng.random() < 0.6:
        layout.add(f"MFD {date(rng, 2019, 2025)}", scale=0.6)
    item = paper_label(rng, layout)
    item.kind, item.codes = "part_label", [("part_number", value)]
    return item


def nameplate(rng: random.Random, pools: CustomerPools) -> Item:
    shape, part = _part(rng, pools)
    serial_shape, serial = _serial(rng, pools)
    layout = Layout(rng, pick_font(rng, SANS + SERIF), (20, 20, 25))
    layout.add(shape.brand, scale=1.2, face=pick_font(rng, SANS))
    layout.add(shape.product, scale=0.7)
    lines = [*_part_lines(rng, part), *_serial_lines(rng, serial)]
    for spans in lines:
        layout.add(*spans, scale=0.9)
    volts = rng.choice(("24 V DC", "230 V AC 50/60 Hz", "400 V 3~ 50 Hz", "12 V DC"))
    layout.add(volts, f"{rng.choice((0.5, 2.5, 6.3, 10, 16))} A", scale=0.6)
    layout.add(
        f"IP{rng.choice((20, 54, 65, 67))}", f"MFD {date(rng, 2015, 2025)}", scale=0.6
    )
    if rng.random() < 0.4:
        ambient = f"TA -{rng.choice((20, 25))} ... +{rng.choice((55, 60))} C"
        layout.add(ambient, scale=0.6)
    paper = rng.choice(
        [(200, 203, 208), (214, 210, 196), (185, 190, 196), (232, 232, 228)]
    )
    item = layout.render(paper, rounded=False)
    rivets(item.image)
    item.kind = "nameplate"
    item.codes = [("part_number", part), ("serial_number", serial)]
    return item


def fault_tag(rng: random.Random, pools: CustomerPools) -> Item:
    """A repair tag a technician hangs on a charger: its fault and serial."""
    code = rng.choice(list(pools.faults))
    layout = Layout(rng, pick_font(rng, SANS), (15, 15, 20))
    layout.add("REPAIR TAG", scale=1.0, face=pick_font(rng, SANS))
    layout.add(rng.choice(CHARGERS), scale=0.7)
    spelled = _spelled(rng, code)
    layout.add(rng.choice(("FAULT", "LAST ERROR")), spelled, scale=0.9)
    layout.add(pools.faults[code].upper()[:26], scale=0.6)
    codes = [("fault_code", spelled)]
    if rng.random() < 0.5:
        serial = rng.choice(pools.serials["week-coded"])
        for spans in _serial_lines(rng, serial):
            layout.add(*spans, scale=0.8)
        codes.append(("serial_number", serial))
    layout.add(f"DATE {date(rng, 2023, 2025)}", f"TECH {rng.randint(2, 40)}", scale=0.6)
    paper = rng.choice([(255, 200, 120), (250, 250, 240), (190, 225, 250)])
    item = layout.render(paper)
    item.kind, item.codes = "part_label", codes
    return item


def _spelled(rng: random.Random, code: str) -> str:
    """The code as the table spells it, or in capitals as many displays do."""
    return code.upper() if rng.random() < 0.4 else code


def screen(
    rng: random.Random,
    pools: CustomerPools,
    *,
    with_codes: bool = True,
    unknown: bool = False,
) -> Item:
    """A charger's display, or a scan tool reading it, with its errors."""
    paper, ink = rng.choice(SCREEN_STYLES)
    layout = Layout(rng, pick_font(rng, MONO), ink)
    if rng.random() < 0.5:
        layout.add(rng.choice(CHARGERS), scale=0.7)
    else:
        layout.add(f"SCAN TOOL V{rng.randint(1, 4)}.{rng.randint(0, 9)}", scale=0.7)
    codes = []
    if with_codes:
        faults = rng.sample(list(pools.faults), rng.randint(1, 3))
        if unknown:
            faults[-1] = pools.unknown_fault(rng)
        layout.add(f"ERRORS: {len(faults)}", scale=0.7)
        for code in faults:
            text = pools.faults.get(code, "NO DESCRIPTION").upper()[:22]
            spelled = _spelled(rng, code)
            layout.add(spelled, text, scale=rng.choice((0.8, 0.9, 1.0)))
            codes.append(("fault_code", spelled))
    else:
        layout.add(rng.choice(("NO ERRORS", "BULK", "ABSORPTION", "FLOAT")))
    layout.add(
        f"PV {rng.uniform(20, 140):.1f} V",
        f"BATT {rng.uniform(12, 28):.2f} V",
        f"{rng.uniform(0, 70):.1f} A",
        scale=0.7,
    )
    layout.add(
        date(rng, 2023, 2025),
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        f"YIELD {rng.uniform(0, 9):.2f} KWH",
        scale=0.6,
    )
    layout.add("[ESC] BACK", "[OK] DETAILS", scale=0.55)
    lcd = layout.render(paper, pad=40, rounded=False)
    lcd.codes = codes
    return in_device(rng, lcd)
