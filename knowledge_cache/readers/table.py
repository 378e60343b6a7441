"""CSV code tables: one chunk per row; the code column registers exact lookups."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import replace

from knowledge_cache.code_keys import code_key, same_spelling
from knowledge_cache.errors import IngestError
from knowledge_cache.models import (
    ChunkDraft,
    CodeKind,
    CodeRow,
    DocumentKind,
    ParsedDocument,
)
from knowledge_cache.readers.table_groups import group_headings

CODE_COLUMNS: dict[str, CodeKind] = {
    "code": CodeKind.FAULT_CODE,
    "fault_code": CodeKind.FAULT_CODE,
    "error_code": CodeKind.FAULT_CODE,
    "dtc": CodeKind.FAULT_CODE,
    "part_number": CodeKind.PART_NUMBER,
    "part_no": CodeKind.PART_NUMBER,
    "pn": CodeKind.PART_NUMBER,
    "serial_number": CodeKind.SERIAL_NUMBER,
    "serial_no": CodeKind.SERIAL_NUMBER,
    "model_number": CodeKind.MODEL_NUMBER,
    "model": CodeKind.MODEL_NUMBER,
}
"""Header names (normalised) recognised as the code column, with their kind."""

DESCRIPTION_COLUMNS = ("description", "meaning", "desc", "name", "title", "text")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def column_key(header: str) -> str:
    """Normalise a header: ``"Part No."`` becomes ``part_no``."""
    return _NON_WORD.sub("_", header.strip().lower()).strip("_")


def read_table(text: str, fallback_title: str) -> ParsedDocument:
    """Read a CSV code table: each row becomes a chunk and a registered code.

    Raises:
        IngestError: no header, or no recognised code column.
    """
    rows = list(csv.reader(io.StringIO(text), _dialect(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise IngestError("has no header row; the first line must name the columns.")
    header = [cell.strip() for cell in rows[0]]
    code_index, kind = _code_column(header)
    description_index = _description_column(header)
    description_name = (
        header[description_index] if description_index is not None else None
    )
    chunks: list[ChunkDraft] = []
    warnings: list[str] = []
    seen: set[tuple[str, ...]] = set()
    first_by_key: dict[str, str] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {
            name: row[i].strip() if i < len(row) else ""
            for i, name in enumerate(header)
        }
        code = values[header[code_index]]
        if not code:
            warnings.append(f"line {line_number}: no {header[code_index]}; skipped")
            continue
        spelling = same_spelling(code)
        if spelling in seen:
            warnings.append(f"line {line_number}: duplicate code {code}; skipped")
            continue
        namesake = first_by_key.setdefault(code_key(code), code)
        if namesake != code:
            warnings.append(
                f"line {line_number}: code {code} differs from {namesake} only by "
                "separators; each is looked up by its own spelling"
            )
        seen.add(spelling)
        description = values[description_name] if description_name else ""
        attributes = {
            name: value for name, value in values.items() if name != header[code_index]
        }
        chunks.append(
            ChunkDraft(
                text=_row_text(code, description, attributes, description_name),
                section=(code,),
                code_row=CodeRow(code, kind, description, attributes),
            )
        )
    if not chunks:
        raise IngestError("has a header but no rows with a code.")
    return ParsedDocument(
        title=fallback_title,
        kind=DocumentKind.TABLE,
        # Fault tables are numbered in groups under one-word headings; in a
        # parts catalogue a one-word name on a round number is just a part.
        chunks=_in_groups(chunks) if kind is CodeKind.FAULT_CODE else tuple(chunks),
        warnings=tuple(warnings),
    )


def _in_groups(chunks: Sequence[ChunkDraft]) -> tuple[ChunkDraft, ...]:
    """Each row under the headings of its table's groups, as a section path
    (see :mod:`knowledge_cache.readers.table_groups`)."""
    rows = [(c.code_row.code, c.code_row.description) for c in chunks if c.code_row]
    headings = group_headings(rows)
    return tuple(
        replace(c, section=(*headings[c.code_row.code], *c.section))
        if c.code_row and c.code_row.code in headings
        else c
        for c in chunks
    )


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _code_column(header: Sequence[str]) -> tuple[int, CodeKind]:
    keys = [column_key(name) for name in header]
    for name, kind in CODE_COLUMNS.items():
        if name in keys:
            return keys.index(name), kind
    expected = ", ".join(CODE_COLUMNS)
    raise IngestError(
        f"has no code column (columns: {', '.join(header)}). Name the column of "
        f"codes one of: {expected}."
    )


def _description_column(header: Sequence[str]) -> int | None:
    keys = [column_key(name) for name in header]
    for name in DESCRIPTION_COLUMNS:
        if name in keys:
            return keys.index(name)
    return None


def _row_text(
    code: str,
    description: str,
    attributes: dict[str, str],
    description_name: str | None,
) -> str:
    lines = [f"{code}: {description}" if description else code]
    lines.extend(
        f"{name.replace('_', ' ')}: {value}"
        for name, value in attributes.items()
        if value and name != description_name
    )
    return "\n".join(lines)
