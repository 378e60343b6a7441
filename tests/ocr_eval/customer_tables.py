"""The evaluation code tables a customer's photo set can show: each table's
codes, and how a customer declares and sees them (the format written by hand
in a ``kb.toml``, the devices that show the codes, and the readings beside
them that are not codes)."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.ocr_eval.shapes import FAULT_PATTERN

EVAL_KBS = Path(__file__).resolve().parents[1] / "data" / "eval_kbs"
"""Folders of evaluation code tables, one table (one or more CSVs) each."""
DEFAULT_TABLE = "victron-mppt"
"""The table the set was first measured with; its figures stay comparable."""
CHARGERS = (
    "SmartSolar MPPT 100/30",
    "SmartSolar MPPT 150/35",
    "BlueSolar MPPT 75/15",
    "SmartSolar MPPT 250/70",
)


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
            "tests.ocr_eval.customer_tables.TABLES"
        )
    codes: dict[str, str] = {}
    for path in files:
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                codes.setdefault(row["code"], row["description"])
    return FaultTable(name, files, codes)
