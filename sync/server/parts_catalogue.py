"""The parts catalogue in a published KB version, as the centre reads it. Pure.

A device prices a part order from the code tables of its knowledge base: a
CSV file whose code column is a part number (``part_number``, ``part_no`` or
``pn``) with a ``unit_price`` and a ``currency`` column. The centre reads the
same tables from the files of the KB it publishes, so it can check an order
against the catalogue as it is now. It reads them the way the device does:
headers compared in lower case with runs of other characters as ``_``, and a
part number's key in upper case with its separators removed, so ``4471-a20
339`` is the same part as ``4471-A20-339``. A file that cannot be read as
such a table is not a catalogue and is skipped.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

PART_COLUMNS = ("part_number", "part_no", "pn")
"""Header names (normalised) of a part-number column, as the device reads them."""

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[\s\-_./]+")


@dataclass(frozen=True, slots=True)
class CataloguePart:
    """One part in the catalogue.

    Attributes:
        part_number: The part number as the catalogue spells it.
        unit_price: Its unit price (``None``: the catalogue gives none).
        currency: The price's currency, if given.
        document: The KB file it is listed in.
    """

    part_number: str
    unit_price: float | None
    currency: str
    document: str


def part_key(part_number: str) -> str:
    """The key of a part number: upper case, separators removed."""
    return _SEPARATORS.sub("", part_number).upper()


def read_catalogue(files: Mapping[str, bytes]) -> dict[str, CataloguePart] | None:
    """Every part listed in the CSV files among ``files`` (document id to
    content), by :func:`part_key`; ``None`` when no file is a parts table.
    A part listed twice keeps its first listing, in document order."""
    found: dict[str, CataloguePart] | None = None
    for document in sorted(files):
        if not document.lower().endswith(".csv"):
            continue
        parts = _read_table(document, files[document])
        if parts is None:
            continue
        found = found if found is not None else {}
        for key, part in parts.items():
            found.setdefault(key, part)
    return found


def _read_table(document: str, data: bytes) -> dict[str, CataloguePart] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader(io.StringIO(text), _dialect(text)))
    if not rows:
        return None
    header = [_column_key(cell) for cell in rows[0]]
    code = next((header.index(name) for name in PART_COLUMNS if name in header), None)
    if code is None:
        return None
    parts: dict[str, CataloguePart] = {}
    for row in rows[1:]:
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        number = row[code].strip() if code < len(row) else ""
        if number and part_key(number) not in parts:
            parts[part_key(number)] = CataloguePart(
                number,
                _price(values.get("unit_price", "")),
                values.get("currency", ""),
                document,
            )
    return parts


def _column_key(header: str) -> str:
    return _NON_WORD.sub("_", header.strip().lower()).strip("_")


def _price(text: str) -> float | None:
    with contextlib.suppress(ValueError):
        price = float(text)
        return round(price, 2) if math.isfinite(price) else None
    return None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel
