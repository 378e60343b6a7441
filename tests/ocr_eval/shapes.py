"""Part and serial numbers in the shapes makers print, as random values.

Each :class:`Shape` draws fresh values in one maker's public catalogue shape
(a Siemens order number, an SKF bearing designation, a 12-character serial)
and carries the regular expression a ``kb.toml`` would declare for it. The
values are random, never copies of real numbers; only the shape is the
maker's.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
"""Letters serials and order codes use (I and O are left out, as most makers do)."""
ALNUM = LETTERS + "0123456789"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(count))


@dataclass(frozen=True, slots=True)
class Shape:
    """One maker's shape of a part or serial number.

    Attributes:
        kind: ``part_number`` or ``serial_number``.
        name: Short name, e.g. ``siemens-simatic``.
        style: Whose shape it is, in words.
        brand: What the label prints at the top.
        product: What the item is (label line and table description).
        pattern: The format a ``kb.toml`` declares for it.
        draw: A random value in the shape.
    """

    kind: str
    name: str
    style: str
    brand: str
    product: str
    pattern: str
    draw: Callable[[random.Random], str]

    @property
    def example(self) -> str:
        return self.draw(random.Random(self.name))


def _simatic(rng: random.Random) -> str:
    return (
        f"6ES7 {_digits(rng, 3)}-{_digits(rng, 1)}{_letters(rng, 2)}"
        f"{_digits(rng, 2)}-0{_letters(rng, 2)}0"
    )


def _sirius(rng: random.Random) -> str:
    return (
        f"3R{rng.choice('TV')}20{_digits(rng, 2)}-{_digits(rng, 1)}"
        f"{_letters(rng, 2)}{_digits(rng, 2)}"
    )


def _tesys(rng: random.Random) -> str:
    rating = rng.choice(("09", "12", "18", "25", "32", "38"))
    return f"LC1D{rating}{rng.choice('BEFMP')}7"


def _altivar(rng: random.Random) -> str:
    power = rng.choice(("04", "07", "15", "22", "30", "40", "55", "75"))
    return f"ATV320U{power}N4{rng.choice('BC')}"


def _abb(rng: random.Random) -> str:
    return f"1S{rng.choice(('VR', 'BL', 'FA'))}{_digits(rng, 6)}R{_digits(rng, 4)}"


def _danfoss(rng: random.Random) -> str:
    return f"13{rng.choice('012')}B{_digits(rng, 4)}"


def _skf(rng: random.Random) -> str:
    size = f"6{rng.choice('023')}{rng.randint(0, 12):02d}"
    clearance = "/C3" if rng.random() < 0.35 else ""
    return f"{size}-2{rng.choice(('RSH', 'RSL', 'Z'))}{clearance}"


def _bosch(rng: random.Random) -> str:
    family = rng.choice(("986", "280", "258", "445"))
    return f"0 {family} {_digits(rng, 3)} {_digits(rng, 3)}"


def _omron(rng: random.Random) -> str:
    return f"E2E-X{rng.choice(('2', '5', '10'))}{rng.choice(('ME', 'MF', 'E'))}1"


def _parker(rng: random.Random) -> str:
    return f"2-{rng.choice('123')}{_digits(rng, 2)} N{rng.choice(('674', '552'))}-70"


def _eaton(rng: random.Random) -> str:
    return f"DILM{rng.choice(('7', '9', '12', '15', '17', '25', '32'))}-" + (
        rng.choice(("10", "01"))
    )


def _phoenix(rng: random.Random) -> str:
    return f"{rng.choice('123')}{_digits(rng, 6)}"


def _alnum12(rng: random.Random) -> str:
    while True:
        value = "".join(rng.choice(ALNUM) for _ in range(12))
        digits = sum(ch.isdigit() for ch in value)
        if 3 <= digits <= 9 and value[0].isalpha():
            return value


def _paired(rng: random.Random) -> str:
    return "".join(f"{rng.choice(LETTERS)}{rng.randint(0, 9)}" for _ in range(6))


def _dotted(rng: random.Random) -> str:
    return f"{rng.randint(10, 24)}.{_digits(rng, 4)}.{_digits(rng, 3)}"


def _week_coded(rng: random.Random) -> str:
    return f"HQ{rng.randint(18, 24)}{rng.randint(1, 52):02d}{_letters(rng, 5)}"


def _prefixed(rng: random.Random) -> str:
    return f"{_letters(rng, 3)}{_digits(rng, 5)}"


def _engine(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{_digits(rng, 7)}"


def _drive(rng: random.Random) -> str:
    return f"{_digits(rng, 6)}{rng.choice(LETTERS)}{_digits(rng, 3)}"


def _laptop(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{_letters(rng, 2)}{_digits(rng, 4)}{_letters(rng, 3)}"


PART_SHAPES = (
    Shape(
        "part_number",
        "siemens-simatic",
        "Siemens SIMATIC order number",
        "SIEMENS",
        "DIGITAL INPUT MODULE",
        r"6ES7 \d{3}-\d[A-Z]{2}\d{2}-0[A-Z]{2}0",
        _simatic,
    ),
    Shape(
        "part_number",
        "siemens-sirius",
        "Siemens SIRIUS contactor and breaker",
        "SIEMENS",
        "CONTACTOR 3 POLE",
        r"3R[TV]20\d{2}-\d[A-Z]{2}\d{2}",
        _sirius,
    ),
    Shape(
        "part_number",
        "schneider-tesys",
        "Schneider TeSys D contactor",
        "Schneider Electric",
        "CONTACTOR COIL AC",
        r"LC1D\d{2}[A-Z]7",
        _tesys,
    ),
    Shape(
        "part_number",
        "schneider-altivar",
        "Schneider Altivar drive",
        "Schneider Electric",
        "VARIABLE SPEED DRIVE",
        r"ATV320U\d{2}N4[BC]",
        _altivar,
    ),
    Shape(
        "part_number",
        "abb-1s",
        "ABB 1S order code",
        "ABB",
        "TIMER RELAY",
        r"1S(?:VR|BL|FA)\d{6}R\d{4}",
        _abb,
    ),
    Shape(
        "part_number",
        "danfoss-code",
        "Danfoss code number",
        "Danfoss",
        "DRIVE CONTROL CARD",
        r"13[012]B\d{4}",
        _danfoss,
    ),
    Shape(
        "part_number",
        "skf-bearing",
        "SKF bearing designation",
        "SKF",
        "DEEP GROOVE BALL BEARING",
        r"6[023]\d{2}-2(?:RSH|RSL|Z)(?:/C3)?",
        _skf,
    ),
    Shape(
        "part_number",
        "bosch-spaced",
        "Bosch ten-digit number in groups",
        "BOSCH",
        "OIL FILTER ELEMENT",
        r"0 (?:986|280|258|445) \d{3} \d{3}",
        _bosch,
    ),
    Shape(
        "part_number",
        "omron-sensor",
        "Omron sensor model code",
        "OMRON",
        "PROXIMITY SENSOR",
        r"E2E-X\d{1,2}(?:ME|MF|E)1",
        _omron,
    ),
    Shape(
        "part_number",
        "parker-oring",
        "Parker O-ring size and compound",
        "PARKER",
        "O-RING NITRILE",
        r"2-[123]\d{2} N(?:674|552)-70",
        _parker,
    ),
    Shape(
        "part_number",
        "eaton-dilm",
        "Eaton DILM contactor",
        "EATON",
        "CONTACTOR AUX CONTACT",
        r"DILM\d{1,2}-(?:10|01)",
        _eaton,
    ),
    Shape(
        "part_number",
        "phoenix-item",
        "Phoenix Contact seven-digit item number",
        "PHOENIX CONTACT",
        "POWER SUPPLY UNIT",
        r"[123]\d{6}",
        _phoenix,
    ),
)

SERIAL_SHAPES = (
    Shape(
        "serial_number",
        "alnum-12",
        "12-character alphanumeric serial",
        "",
        "CONTROLLER",
        r"[A-Z][A-Z0-9]{11}",
        _alnum12,
    ),
    Shape(
        "serial_number",
        "letter-digit-pairs",
        "12 characters, letter and digit pairs",
        "",
        "GATEWAY",
        r"(?:[A-Z]\d){6}",
        _paired,
    ),
    Shape(
        "serial_number",
        "dotted-groups",
        "digit groups with dots",
        "",
        "FLOW METER",
        r"\d{2}\.\d{4}\.\d{3}",
        _dotted,
    ),
    Shape(
        "serial_number",
        "week-coded",
        "two letters, year and week, five letters",
        "",
        "SOLAR CHARGER",
        r"HQ\d{4}[A-Z]{5}",
        _week_coded,
    ),
    Shape(
        "serial_number",
        "prefix-sequence",
        "three-letter prefix and five-digit sequence",
        "",
        "GENERATOR SET",
        r"[A-Z]{3}\d{5}",
        _prefixed,
    ),
    Shape(
        "serial_number",
        "engine-eight",
        "eight-digit engine serial",
        "",
        "DIESEL ENGINE",
        r"[1-9]\d{7}",
        _engine,
    ),
    Shape(
        "serial_number",
        "drive-week-letter",
        "six digits, a week letter, three digits",
        "",
        "FREQUENCY CONVERTER",
        r"\d{6}[A-Z]\d{3}",
        _drive,
    ),
    Shape(
        "serial_number",
        "ten-mixed",
        "ten characters: digit, letters, digits, letters",
        "",
        "SERVICE LAPTOP",
        r"\d[A-Z]{2}\d{4}[A-Z]{3}",
        _laptop,
    ),
)

FAULT_PATTERN = r"(?:ERR|INFORMATION) \d{1,3}"
"""The format a ``kb.toml`` declares for the charger's codes (``Err 2``)."""


def fits(shape: Shape, value: str) -> bool:
    """Whether ``value`` is in ``shape``'s declared format."""
    return re.fullmatch(shape.pattern, value) is not None
