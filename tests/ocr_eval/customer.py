"""What is printed for a customer's knowledge base that has no ``kb.toml``.

The customer's fault codes are one evaluation code table, a folder of
``tests/data/eval_kbs`` (``code,description`` CSVs): by default the solar
chargers' ``victron-mppt`` (``Err 2``, ``Information 65``), shown on the
chargers' displays and repair tags the set was first measured with. Any other
table is shown the ways plain codes appear on real screens and tags: after a
word (``FAULT 13.2``, ``Error code: 447``), beside or under a word printed
apart, or bare (a list of codes, a large code alone on a controller's
display), always among readings that are not codes (voltages, hours, counts,
dates). The customer keeps parts and assets from many makers too: their part
and serial numbers are drawn at random in the makers' shapes
(:mod:`tests.ocr_eval.shapes`); most of them are listed in its tables, some
are not. Every item records the codes it draws, so the truth is what was
printed; the ratings, dates, lots and quantities around them are not codes.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
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

EVAL_KBS = Path(__file__).resolve().parents[1] / "data" / "eval_kbs"
"""Folders of evaluation code tables, one table (one or more CSVs) each."""
DEFAULT_TABLE = "victron-mppt"
"""The table the set was first measured with; its figures stay comparable."""
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


CUES = ("ERROR", "Error", "FAULT", "Fault", "STATE", "ALARM", "CODE", "ERROR CODE:")
"""Words printed before or above a plain fault code on screens and tags."""
CUE_WORDS = frozenset(
    word.rstrip(":").upper() for word in (*CUES, "FAULT", "LAST ERROR")
)
"""Every word a fault code may follow on an item (the tags' own included)."""


def _forklift_readings(rng: random.Random) -> list[str]:
    return [
        f"BATT {rng.uniform(22, 52):.1f} V",
        f"MOTOR {rng.randint(40, 450)} A",
        f"HRS {rng.uniform(100, 19999):.1f}",
        f"SPEED {rng.randint(0, 14)} KM/H",
        f"TEMP {rng.randint(18, 85)} C",
        f"{rng.uniform(22, 52):.1f}V",
    ]


def _drive_readings(rng: random.Random) -> list[str]:
    index = rng.choice(("6040", "6041", "6060", "6061", "1017", "1001"))
    return [
        f"DC BUS {rng.randint(300, 680)} V",
        f"NODE {rng.randint(1, 127)}",
        f"OBJ 0x{index}",
        f"{rng.randint(0, 3000)} RPM",
        f"I {rng.uniform(0, 12):.1f} A",
        f"{rng.randint(0, 80)} C",
    ]


def _inverter_readings(rng: random.Random) -> list[str]:
    return [
        f"AC {rng.randint(215, 245)} V",
        f"DC {rng.randint(180, 800)} V",
        f"{rng.uniform(0, 8):.2f} KW",
        f"E-DAY {rng.uniform(0, 40):.1f} KWH",
        f"{rng.uniform(49.9, 50.1):.2f} HZ",
        f"{rng.randint(20, 70)} C",
    ]


def _heatpump_readings(rng: random.Random) -> list[str]:
    return [
        f"FLOW {rng.uniform(25, 55):.1f} C",
        f"OUTDOOR {rng.randint(-15, 20)} C",
        f"COMPR {rng.randint(100, 9999)} H",
        f"{rng.uniform(0.8, 2.5):.1f} BAR",
        f"STARTS {rng.randint(100, 9999)}",
        f"DHW {rng.randint(40, 60)} C",
    ]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """How a customer declares and sees one evaluation table's codes.

    Attributes:
        pattern: The fault code format a customer writes by hand in a
            ``kb.toml`` for the table (never derived from the learned one).
        example: A code of the table, for the ``kb.toml``.
        devices: What the displays and tags showing its codes name.
        readings: Numbers those devices show that are not codes.
    """

    pattern: str
    example: str
    devices: tuple[str, ...]
    readings: Callable[[random.Random], list[str]]


TABLES: dict[str, TableSpec] = {
    # Every code is a word (Err, Information) and one to three digits; the
    # pattern the set was first measured with.
    DEFAULT_TABLE: TableSpec(FAULT_PATTERN, "Err 2", CHARGERS, lambda rng: []),
    # Fault 1 to 40, some split into sub-codes of up to three digits (13.2,
    # 7.999): a fault number and an optional dotted sub-code.
    "dmc-forklift": TableSpec(
        r"\d{1,2}(?:\.\d{1,3})?",
        "13.2",
        ("SUPERSIGMA2 TRACTION", "SUPERSIGMA2 PUMP", "PALLET TRUCK PT20", "REACH R16"),
        _forklift_readings,
    ),
    # Hexadecimal, as the CANopen standard prints them: 0x and four (EMCY)
    # or eight (SDO abort) hex digits, written with a lower-case x.
    "canopen-drives": TableSpec(
        r"0x[0-9A-F]{4,8}",
        "0x8110",
        ("SERVO DRIVE AXIS 1", "SERVO DRIVE AXIS 2", "CANOPEN MASTER", "IO NODE"),
        _drive_readings,
    ),
    # Alarm numbers of three or four digits (227, 5298).
    "ivt-heatpump": TableSpec(
        r"\d{3,4}",
        "5298",
        ("HEAT PUMP HP270", "HPC400 CONTROLLER", "IVT GREENLINE"),
        _heatpump_readings,
    ),
    # State codes of three digits (102 to 999).
    "fronius-inverter": TableSpec(
        r"\d{3}",
        "307",
        ("SYMO 5.0-3-M", "PRIMO 3.6-1", "GALVO 2.5-1", "IG PLUS 50"),
        _inverter_readings,
    ),
}
"""The declared format and the devices of every evaluation table."""


@dataclass(frozen=True, slots=True)
class FaultTable:
    """One evaluation table: its CSVs and their codes, in table order."""

    name: str
    files: tuple[Path, ...]
    codes: dict[str, str]

    @property
    def spec(self) -> TableSpec:
        return TABLES[self.name]


def tables() -> list[str]:
    """Folders of ``tests/data/eval_kbs`` holding a code table."""
    return sorted({p.parent.name for p in EVAL_KBS.glob("*/*.csv") if p.is_file()})


@cache
def fault_table(name: str = DEFAULT_TABLE) -> FaultTable:
    """The table in folder ``name``: every ``code,description`` CSV in it.

    Raises:
        ValueError: no such table, or none of its formats declared here.
    """
    files = tuple(sorted((EVAL_KBS / name).glob("*.csv"))) if name else ()
    if not files or "/" in name or name.startswith("."):
        raise ValueError(f"no code table {name!r}: choose one of {', '.join(tables())}")
    if name not in TABLES:
        raise ValueError(
            f"code table {name!r} has no declared format: add it to "
            "tests.ocr_eval.customer.TABLES"
        )
    codes: dict[str, str] = {}
    for path in files:
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                codes.setdefault(row["code"], row["description"])
    return FaultTable(name, files, codes)


@dataclass(frozen=True, slots=True)
class CustomerPools:
    """The customer's codes: its fault table, and parts and serials by shape."""

    faults: dict[str, str]
    parts: dict[str, tuple[str, ...]]
    serials: dict[str, tuple[str, ...]]
    table: str = DEFAULT_TABLE

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
        """A fault code the table lacks, in the table's own shape."""
        if self.table == DEFAULT_TABLE:
            while True:
                code = f"Err {rng.randint(1, 220)}"
                if code not in self.faults:
                    return code
        listed = {spelling(code) for code in self.faults}
        codes = list(self.faults)
        for _ in range(1000):
            code = _last_digit_changed(rng, rng.choice(codes))
            if spelling(code) not in listed:
                return code
        raise ValueError(f"no unlisted code in the shape of table {self.table}")


def _last_digit_changed(rng: random.Random, code: str) -> str:
    """``code`` with its last digit changed: a code next to listed ones."""
    i = max(i for i, ch in enumerate(code) if ch.isdigit())
    return code[:i] + rng.choice("0123456789") + code[i + 1 :]


def spelling(value: str) -> str:
    """A code as the reader reports it: capitals, single spaces."""
    return " ".join(value.upper().split())


@cache
def customer_pools(seed: int, table: str = DEFAULT_TABLE) -> CustomerPools:
    """Values drawn for every shape, seeded: the same seed, the same tables."""
    rng = random.Random(f"{seed}:customer-kb")
    return CustomerPools(
        fault_table(table).codes,
        {shape.name: _pool(rng, shape) for shape in PART_SHAPES},
        {shape.name: _pool(rng, shape) for shape in SERIAL_SHAPES},
        table,
    )


def _pool(rng: random.Random, shape: Shape) -> tuple[str, ...]:
    values: dict[str, None] = {}
    while len(values) < POOL_SIZE:
        values[shape.draw(rng)] = None
    return tuple(values)


def write_kb(folder: Path, pools: CustomerPools) -> None:
    """The customer's tables, as a customer would hand them over: no kb.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in fault_table(pools.table).files:
        (folder / path.name).write_bytes(path.read_bytes())
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


def declared_toml(table: str = DEFAULT_TABLE) -> str:
    """A ``kb.toml`` declaring the formats of every shape drawn, the fault
    codes' as a customer writes it by hand for ``table``."""
    spec = fault_table(table).spec
    entries = [("fault_code", spec.pattern, spec.example)]
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
    # The default table's codes carry their own word (Err 2): they keep the
    # chargers' displays and tags its figures were first measured on.
    chargers = pools.table == DEFAULT_TABLE
    display = partial(screen if chargers else table_screen, pools=pools)
    tag = partial(fault_tag if chargers else table_tag, pools=pools)
    return scene_items(
        rng,
        scene,
        unknown=unknown,
        label=label,
        plate=plate,
        display=display,
        mixed=[label, plate, tag],
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


def table_screen(
    rng: random.Random,
    pools: CustomerPools,
    *,
    with_codes: bool = True,
    unknown: bool = False,
) -> Item:
    """A controller's display, or a service tool reading it, with its faults
    among readings that are not codes."""
    spec = fault_table(pools.table).spec
    paper, ink = rng.choice(SCREEN_STYLES)
    layout = Layout(rng, pick_font(rng, MONO), ink)
    layout.add(rng.choice(spec.devices), scale=0.7)
    codes = []
    if with_codes:
        faults = rng.sample(list(pools.faults), rng.randint(1, 3))
        if unknown:
            faults[-1] = pools.unknown_fault(rng)
        if len(faults) > 1 and rng.random() < 0.5:
            layout.add(f"ACTIVE FAULTS: {len(faults)}", scale=0.7)
        if len(faults) == 1 and rng.random() < 0.4:
            layout.add(faults[0], scale=1.5)  # a large code alone, as LEDs show it
            layout.add(_described(pools, faults[0]), scale=0.6)
        else:
            for code in faults:
                _fault_rows(rng, layout, code, _described(pools, code))
        codes = [("fault_code", code) for code in faults]
    else:
        layout.add(rng.choice(("NO ACTIVE FAULTS", "READY", "SYSTEM OK", "RUN")))
    readings = rng.sample(spec.readings(rng), 4)
    layout.add(*readings[:2], scale=0.7)
    layout.add(*readings[2:], scale=0.7)
    layout.add(
        date(rng, 2023, 2025),
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        scale=0.6,
    )
    layout.add("[ESC] BACK", "[OK] DETAILS", scale=0.55)
    lcd = layout.render(paper, pad=40, rounded=False)
    lcd.codes = codes
    return in_device(rng, lcd)


def table_tag(rng: random.Random, pools: CustomerPools) -> Item:
    """A repair tag hung on a machine: its fault, the machine's hours and
    serial, the date."""
    spec = fault_table(pools.table).spec
    code = rng.choice(list(pools.faults))
    layout = Layout(rng, pick_font(rng, SANS), (15, 15, 20))
    layout.add("REPAIR TAG", scale=1.0, face=pick_font(rng, SANS))
    layout.add(rng.choice(spec.devices), scale=0.7)
    _fault_rows(rng, layout, code, "", scale=0.9)
    layout.add(pools.faults[code].upper()[:26], scale=0.6)
    codes = [("fault_code", code)]
    if rng.random() < 0.5:
        serial = rng.choice(pools.serials["week-coded"])
        for spans in _serial_lines(rng, serial):
            layout.add(*spans, scale=0.8)
        codes.append(("serial_number", serial))
    layout.add(rng.choice(spec.readings(rng)), f"QTY {rng.randint(1, 4)}", scale=0.6)
    layout.add(f"DATE {date(rng, 2023, 2025)}", f"TECH {rng.randint(2, 40)}", scale=0.6)
    paper = rng.choice([(255, 200, 120), (250, 250, 240), (190, 225, 250)])
    item = layout.render(paper)
    item.kind, item.codes = "part_label", codes
    return item


def _described(pools: CustomerPools, code: str) -> str:
    return pools.faults.get(code, "NO DESCRIPTION").upper()[:22]


def _fault_rows(
    rng: random.Random,
    layout: Layout,
    code: str,
    description: str,
    scale: float | None = None,
) -> None:
    """One fault code: after a word in the same string, beside or under a
    word printed apart, or bare; its description beside it, if any."""
    scale = scale or rng.choice((0.8, 0.9, 1.0))
    cue = rng.choice(CUES)
    how = rng.choice(("cued", "cued", "beside", "above", "bare", "bare"))
    rest = (description,) if description else ()
    if how == "cued":
        layout.add(f"{cue} {code}", *rest, scale=scale)
    elif how == "beside":
        layout.add(cue, code, scale=scale)
        if description:
            layout.add(description, scale=0.6)
    elif how == "above":
        layout.add(cue, scale=0.6)
        layout.add(code, *rest, scale=scale)
    else:
        layout.add(code, *rest, scale=scale)


def shown(item: Item, code: str) -> str:
    """How fault ``code`` was printed on ``item``: ``cued`` (after a word in
    the same string: ``FAULT 13.2``), ``beside`` or ``above`` a word printed
    apart, or ``bare``; read from the item's rows of strings."""
    rows = [text.split("  ") for text in item.texts]
    for index, spans in enumerate(rows):
        for at, span in enumerate(spans):
            if span.endswith(f" {code}") and _cue(span[: -len(code)]):
                return "cued"
            if span != code:
                continue
            if at and _cue(spans[at - 1]):
                return "beside"
            if not at and index and len(rows[index - 1]) == 1:
                return "above" if _cue(rows[index - 1][0]) else "bare"
            return "bare"
    raise ValueError(f"{code!r} is not printed on the item")


def _cue(text: str) -> bool:
    return text.strip().rstrip(":").upper() in CUE_WORDS
