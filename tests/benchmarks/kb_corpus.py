"""The knowledge-cache benchmark's synthetic corpus and queries (seeded).

Markdown service manuals and CSV code tables for a fleet of invented equipment
families, written so that every section is exactly one chunk, plus queries of
five kinds drawn from it: words, fault codes and part numbers in every
spelling, mixes, and questions.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge_cache.readers.chunking import MAX_CHUNK_CHARS

MAX_BODY_CHARS = MAX_CHUNK_CHARS - 100
"""Section bodies stay under the chunk size, so each section is exactly one chunk."""

# --- vocabulary ----------------------------------------------------------------

BRANDS = (
    ("HydraFlow", "E", 2),
    ("AirMax", "C", 3),
    ("PowerGen", "G", 3),
    ("ThermoLine", "T", 3),
    ("AquaServe", "A", 3),
    ("VentoMax", "V", 3),
    ("FluxDrive", "F", 3),
    ("HeliTherm", "H", 3),
    ("PetroLift", "P", 3),
    ("RotaComp", "R", 2),
)
"""Brand, fault-code letter and digits (``E-42``, ``C-117``, ``G-305``)."""


def _terms(text: str) -> tuple[str, ...]:
    """The comma-separated terms of ``text``, white space normalised."""
    return tuple(" ".join(term.split()) for term in text.split(",") if term.strip())


KINDS = _terms("""centrifugal pump, air compressor, diesel generator set, chiller,
    heat pump, booster set, vacuum pump, hydraulic power unit, cooling tower,
    boiler burner, conveyor drive, dosing skid""")
COMPONENTS = _terms("""impeller, mechanical seal, wear ring, drive-end bearing,
    non-drive-end bearing, coupling element, drive belt, air filter element,
    oil filter, fuel filter, valve plate, unloader valve, thermostat, radiator
    core, pressure transmitter, temperature sensor, controller board, cooling
    fan, safety valve, condensate drain, piston ring set, casing gasket, shaft
    sleeve, suction strainer, flow switch, plate heat exchanger, starter motor,
    charge alternator, fuel stop solenoid, expansion vessel, main contactor,
    motor thermistor, speed pickup, level probe, check valve, bypass valve,
    isolation valve, sight glass, oil separator, intercooler, aftercooler,
    crankcase breather, injector nozzle, glow plug, voltage regulator, earth
    fault relay, circuit breaker, frequency converter, gearbox, lip seal,
    O-ring set, anti-vibration mount, flexible hose, expansion joint, burner
    nozzle, ignition electrode, flame sensor, dosing pump diaphragm""")
CONDITIONS = _terms("""high temperature, low pressure, high vibration, leakage,
    overload, sensor fault, communication lost, low level, blocked flow,
    excessive wear, phase imbalance, dry running, cavitation, overspeed,
    underspeed, short circuit, open circuit, flame failure, water ingress,
    corrosion, misalignment, loose fixing, abnormal noise, contamination""")
ACTIONS = _terms("""check, inspect, clean, replace, tighten, measure, adjust,
    lubricate, drain, vent, re-tension, calibrate, align, flush, test, renew,
    refit, grease, bleed, torque""")
TOOLS = _terms("""a torque wrench, a dial gauge, a feeler gauge, a multimeter,
    an insulation tester, a clamp meter, a bearing puller, a mechanical
    pressure gauge, a contact thermometer, a vibration pen, a laser alignment
    kit, a hydraulic jack, a grease gun, a borescope""")
SUPPLIES = _terms("""lithium grease NLGI 2, anti-seize compound, thread locker,
    silicone-free assembly paste, food-grade grease, synthetic compressor oil,
    engine oil 15W-40, coolant premix, contact cleaner, degreaser, PTFE tape""")
EVENTS = _terms("""start-up, shutdown, seal change, bearing change, oil change,
    annual inspection, relocation, storm, flood, power failure, trip,
    controller update""")
QUANTITIES = (
    ("pressure", "bar", 0.5, 16.0), ("temperature", "°C", 20.0, 120.0),
    ("current", "A", 5.0, 120.0), ("supply voltage", "V", 12.0, 440.0),
    ("clearance", "mm", 0.05, 1.2), ("flow", "m³/h", 10.0, 300.0),
    ("speed", "rpm", 700.0, 3000.0), ("vibration", "mm/s", 1.0, 12.0),
    ("insulation resistance", "MOhm", 1.0, 500.0), ("noise level", "dB(A)",
    60.0, 95.0), ("differential pressure", "mbar", 5.0, 80.0), ("oil level",
    "%", 20.0, 100.0), ("frequency", "Hz", 45.0, 65.0),
)  # fmt: skip
SENTENCES = (
    "{action} the {component} and record the {quantity}; it must stay below "
    "{value} {unit}.",
    "If fault {code} appears, {action} the {component} before restarting the {model}.",
    "Fit a new {component} ({part}) and tighten the screws to {torque} Nm in a "
    "cross pattern.",
    "Every {hours} h, {action} the {component} and replace part {part} if worn.",
    "The {component} of the {model} is rated for {value} {unit}.",
    "A {condition} condition at the {component} raises fault {code}; never reset "
    "it more than twice.",
    "Measure the {quantity} at the {component}: the normal range is {low} to "
    "{value} {unit}.",
    "Order {part} for the {component}; the {brand} service desk keeps it in stock.",
    "Fault {code} ({condition}) is usually caused by a worn {component}.",
    "Allow at least {minutes} min after shutdown before you {action} the {component}.",
    "Use {tool} to {action} the {component}.",
    "Apply {supply} to the {component} before assembly.",
    "Record the {quantity} in the service log after every {event}.",
    "Inspect the {component} for cracks, corrosion and discolouration.",
    "Discard the old {component} together with any damaged fasteners.",
    "The controller shows {code} when the {quantity} stays below {low} {unit} "
    "for {minutes} s.",
    "A drift of more than {minutes} % from the commissioning record points to "
    "{condition}.",
    "After a {event}, run the {model} unloaded for {minutes} min and listen for "
    "{condition}.",
    "Warranty claims for the {component} need the serial number and photographs.",
    "Only trained staff may {action} the {component} while the unit is energised.",
    "Keep the area around the {component} free of tools, rags and loose cables.",
    "Spare {component} kits for the {model} are listed under {part}.",
    "Check the {quantity} with {tool}; readings above {value} {unit} mean {condition}.",
    "Do not {action} the {component} with {supply}; it damages the elastomers.",
)
CHAPTERS = _terms("""Safety, Specifications, Installation, Commissioning,
    Operation, Routine maintenance, Fault finding, Repair, Parts, Storage,
    Decommissioning""")
TOPICS = _terms("""inspection, replacement, adjustment, cleaning, fault finding,
    removal, fitting, testing, overhaul, lubrication""")
QUESTIONS = (
    "what does {code} mean on the {model}",
    "how do I replace the {component}",
    "which part number is the {component} for the {model}",
    "why does the {component} show {condition}",
    "{component} {condition} after {event}",
)
KB_TOML = """[kb]
name = "Synthetic fleet"

[[code_formats]]
kind = "fault_code"
pattern = '[A-Z]-\\d{2,3}'
example = "E-42"

[[code_formats]]
kind = "part_number"
pattern = '\\d{4}-[A-Z]\\d{2}-\\d{3}'
example = "4471-A20-339"
"""
_SEPARATOR = re.compile(r"[-_./\s]")
SPELLINGS: dict[str, Callable[[str], str]] = {
    "as printed": lambda code: code,
    "no separators": lambda code: _SEPARATOR.sub("", code),
    "lower case": lambda code: code.lower(),
    "spaces": lambda code: _SEPARATOR.sub(" ", code),
    "lower, spaces": lambda code: _SEPARATOR.sub(" ", code).lower(),
}
"""How a technician may type a code: ``E-42``, ``E42``, ``e-42``, ``E 42``, ``e 42``."""
QUERY_KINDS = ("words", "code", "part", "mixed", "question")


@dataclass(frozen=True, slots=True)
class Family:
    """One equipment series: its service manual, fault table and parts list."""

    slug: str
    brand: str
    model: str
    kind: str
    faults: tuple[str, ...]
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Corpus:
    """The generated folder, and the codes and models that queries draw from."""

    folder: Path
    chunks: int
    files: int
    size_bytes: int
    faults: tuple[str, ...]
    parts: tuple[str, ...]
    models: tuple[str, ...]


# --- corpus --------------------------------------------------------------------


def make_family(index: int, part_prefix: int, rng: random.Random) -> Family:
    brand, letter, digits = rng.choice(BRANDS)
    model = f"{''.join(c for c in brand if c.isupper())}-{rng.randrange(100, 1000)}"
    numbers = range(10, 100) if digits == 2 else range(100, 1000)
    faults = tuple(f"{letter}-{n}" for n in sorted(rng.sample(numbers, 45)))
    parts = tuple(
        f"{part_prefix}-{chr(65 + n // 100_000)}{n // 1000 % 100:02d}-{n % 1000:03d}"
        for n in sorted(rng.sample(range(26 * 100_000), rng.randint(50, 100)))
    )
    slug = f"{index:04d}-{brand.lower()}-{model.lower()}"
    return Family(slug, brand, model, rng.choice(KINDS), faults, parts)


def sentence(family: Family, rng: random.Random) -> str:
    quantity, unit, low, high = rng.choice(QUANTITIES)
    value = rng.uniform((low + high) / 2, high)
    text = rng.choice(SENTENCES).format(
        action=rng.choice(ACTIONS),
        component=rng.choice(COMPONENTS),
        condition=rng.choice(CONDITIONS),
        quantity=quantity,
        unit=unit,
        low=f"{low:g}",
        value=f"{value:.2f}" if high < 2 else f"{value:.0f}",
        code=rng.choice(family.faults),
        part=rng.choice(family.parts),
        model=family.model,
        brand=family.brand,
        torque=rng.choice((12, 25, 40, 65, 110)),
        hours=rng.choice((250, 500, 1000, 2000, 4000)),
        minutes=rng.choice((5, 10, 30, 60)),
        tool=rng.choice(TOOLS),
        supply=rng.choice(SUPPLIES),
        event=rng.choice(EVENTS),
    )
    return text[0].upper() + text[1:]


def paragraph(family: Family, rng: random.Random) -> str:
    """Prose, a numbered procedure or a specification table."""
    shape = rng.choice(("prose", "prose", "procedure", "table"))
    if shape == "prose":
        return " ".join(sentence(family, rng) for _ in range(rng.randint(2, 4)))
    if shape == "procedure":
        steps = range(1, rng.randint(4, 7))
        return "\n".join(f"{step}. {sentence(family, rng)}" for step in steps)
    rows = [f"| Item | {family.model} |", "|---|---|"]
    for quantity, unit, low, high in rng.sample(QUANTITIES, rng.randint(3, 6)):
        rows.append(f"| Rated {quantity} | {rng.uniform(low, high):.1f} {unit} |")
    return "\n".join(rows)


def section_body(family: Family, rng: random.Random) -> str:
    target = rng.randint(250, 950)
    paragraphs = [paragraph(family, rng)]
    while sum(len(p) + 2 for p in paragraphs) < target:
        paragraphs.append(paragraph(family, rng))
    while sum(len(p) + 2 for p in paragraphs) > MAX_BODY_CHARS:
        paragraphs.pop()
    return "\n\n".join(paragraphs) or sentence(family, rng)


def manual_text(family: Family, sections: int, rng: random.Random) -> str:
    """A Markdown manual of exactly ``sections`` chunks (intro plus headings)."""
    kind = family.kind.title()
    lines = [f"# {family.brand} {family.model} {kind} – Service Manual", ""]
    lines.append(section_body(family, rng))
    written, chapter = 1, 0
    while written < sections:
        chapter += 1
        headings = [f"## {chapter} {CHAPTERS[(chapter - 1) % len(CHAPTERS)]}"]
        for sub in range(1, rng.randint(8, 20)):
            topic = f"{rng.choice(COMPONENTS).capitalize()} {rng.choice(TOPICS)}"
            headings.append(f"### {chapter}.{sub} {topic}")
        for heading in headings[: sections - written]:
            lines += ["", heading, "", section_body(family, rng)]
            written += 1
    return "\n".join(lines) + "\n"


def csv_text(header: Sequence[str], rows: Iterator[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def fault_table(family: Family, codes: Sequence[str], rng: random.Random) -> str:
    header = ("code", "equipment", "description", "likely_cause", "action", "severity")
    return csv_text(
        header,
        (
            (
                code,
                f"{family.brand} {family.model} series",
                f"{rng.choice(COMPONENTS).capitalize()} {rng.choice(CONDITIONS)}",
                sentence(family, rng),
                sentence(family, rng),
                rng.choice(("info", "warning", "critical")),
            )
            for code in codes
        ),
    )


def parts_table(family: Family, parts: Sequence[str], rng: random.Random) -> str:
    header = ("part_number", "description", "equipment", "unit_price", "unit")
    return csv_text(
        header,
        (
            (
                part,
                f"{rng.choice(COMPONENTS).capitalize()}, {rng.randint(10, 400)} mm",
                f"{family.brand} {family.model}",
                f"{rng.uniform(5, 2500):.2f}",
                rng.choice(("pc", "set", "kit", "pair")),
            )
            for part in parts
        ),
    )


def write_family(
    folder: Path, family: Family, budget: int, rng: random.Random
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Write the family's files within ``budget`` chunks.

    Returns:
        The chunks written and the fault codes and part numbers of its tables.
    """
    faults = family.faults[:budget]
    parts = family.parts[: budget - len(faults)]
    sections = min(budget - len(faults) - len(parts), rng.randint(150, 300))
    (folder / family.slug).mkdir(parents=True, exist_ok=True)
    if faults:
        text = fault_table(family, faults, rng)
        (folder / family.slug / "fault-codes.csv").write_text(text, encoding="utf-8")
    if parts:
        text = parts_table(family, parts, rng)
        (folder / family.slug / "parts.csv").write_text(text, encoding="utf-8")
    if sections:
        text = manual_text(family, sections, rng)
        (folder / family.slug / "service-manual.md").write_text(text, encoding="utf-8")
    return len(faults) + len(parts) + sections, faults, parts


def write_corpus(folder: Path, chunks: int, rng: random.Random) -> Corpus:
    """Write a corpus of exactly ``chunks`` chunks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kb.toml").write_text(KB_TOML, encoding="utf-8")
    prefixes = rng.sample(range(1000, 10_000), 9000)
    faults: set[str] = set()
    parts: list[str] = []
    models: list[str] = []
    remaining = chunks
    while remaining > 0:
        family = make_family(len(models), prefixes[len(models) % 9000], rng)
        used, family_faults, family_parts = write_family(folder, family, remaining, rng)
        remaining -= used
        faults.update(family_faults)
        parts += family_parts
        models.append(family.model)
    files = [path for path in folder.rglob("*") if path.is_file()]
    return Corpus(
        folder=folder,
        chunks=chunks,
        files=len(files),
        size_bytes=sum(path.stat().st_size for path in files),
        faults=tuple(sorted(faults)),
        parts=tuple(parts),
        models=tuple(models),
    )


# --- queries -------------------------------------------------------------------


def make_query(kind: str, corpus: Corpus, rng: random.Random) -> str:
    code = rng.choice(list(SPELLINGS.values()))(rng.choice(corpus.faults))
    part = rng.choice(list(SPELLINGS.values()))(rng.choice(corpus.parts))
    component, condition = rng.choice(COMPONENTS), rng.choice(CONDITIONS)
    if kind == "words":
        words = [component, condition, rng.choice(QUANTITIES)[0], rng.choice(ACTIONS)]
        return " ".join(rng.sample(words, rng.randint(1, 3)))
    if kind == "code":
        return code
    if kind == "part":
        return part
    if kind == "mixed":
        return rng.choice((f"{code} {condition}", f"{rng.choice(ACTIONS)} {part}"))
    return rng.choice(QUESTIONS).format(
        code=code,
        model=rng.choice(corpus.models),
        component=component,
        condition=condition,
        event=rng.choice(EVENTS),
    )


def make_queries(
    corpus: Corpus, count: int, rng: random.Random
) -> list[tuple[str, str]]:
    """``(kind, query)`` pairs, the kinds in equal shares."""
    kinds = [QUERY_KINDS[i % len(QUERY_KINDS)] for i in range(count)]
    return [(kind, make_query(kind, corpus, rng)) for kind in kinds]


# --- measurements --------------------------------------------------------------
