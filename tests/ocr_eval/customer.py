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

import random
from functools import partial

from tests.ocr_eval.customer_pools import CustomerPools
from tests.ocr_eval.customer_tables import CHARGERS, DEFAULT_TABLE, fault_table
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
from tests.ocr_eval.shapes import PART_SHAPES, SERIAL_SHAPES, Shape

CUES = ("ERROR", "Error", "FAULT", "Fault", "STATE", "ALARM", "CODE", "ERROR CODE:")
"""Words printed before or above a plain fault code on screens and tags."""
CUE_WORDS = frozenset(
    word.rstrip(":").upper() for word in (*CUES, "FAULT", "LAST ERROR")
)
"""Every word a fault code may follow on an item (the tags' own included)."""


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
