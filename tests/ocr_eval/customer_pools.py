"""The customer of the photo set: the part and serial numbers drawn in many
makers' shapes, its fault codes from one evaluation table, and the tables
(faults, parts, assets) written for its knowledge base, with the ``kb.toml``
a customer would write by hand for them."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.ocr_eval.customer_tables import DEFAULT_TABLE, fault_table
from tests.ocr_eval.shapes import PART_SHAPES, SERIAL_SHAPES, Shape

POOL_SIZE = 8
"""Values drawn per shape."""
LISTED = 6
"""Of those, how many the customer's tables list (the rest are unknown)."""
KB_FOLDER = "kb"
"""Folder of the generated set holding the customer's tables."""
PARTS_FILE, ASSETS_FILE = "parts.csv", "assets.csv"
SITES = ("PUMP HOUSE", "ROOF ARRAY", "PLANT ROOM", "WORKSHOP", "BOREHOLE")


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
