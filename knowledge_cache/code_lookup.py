"""Codes looked up in the KB's code tables: the entries a text or a question
names, every entry of one kind, and the listed codes closest to an unlisted one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlite_utils import Database

from knowledge_cache.code_formats import reading_formats
from knowledge_cache.code_keys import code_key, same_spelling, spelled_in
from knowledge_cache.code_numbering import opening_number
from knowledge_cache.code_prefixes import codes_without_prefix, learned_prefixes
from knowledge_cache.format_matching import FormatSet
from knowledge_cache.models import CodeEntry, CodeKind
from knowledge_cache.question_codes import (
    CodeReading,
    TypedCode,
    codes_in_question,
    cued_formats_of,
)
from knowledge_cache.search import known_code_keys


def lookup_code(db: Database, text: str) -> list[CodeEntry]:
    """Entries of the code tables for any code spelled in ``text``.

    A listed code spelled inside a longer code of a declared format does
    not count, listed or not: ``4471-E42-999`` is a part number the
    catalogue lacks, never fault E-42.
    """
    longer = {t.key for t in typed_codes(db, text)}
    return entries(db, known_code_keys(db, text, longer), spelled=text)


def read_codes(db: Database, question: str) -> list[CodeReading]:
    """Every code ``question`` names, typing slips read, each looked up.

    Codes are read with the KB's declared formats (see
    :mod:`knowledge_cache.question_codes`); a code a table registers
    without a declared format is found by its exact key, a listed code
    typed without its table's literal prefix is read with it (see
    :mod:`knowledge_cache.code_prefixes`), and a number opening the question
    in the numbering of a table of plain numbers is read as its code (see
    :mod:`knowledge_cache.code_numbering`). A reading with no entries is a
    code the KB does not list.
    """
    in_use, cued = reading_formats(db)
    formats = FormatSet(in_use)
    typed = codes_in_question(
        question,
        formats,
        cued_formats_of(cued, lambda v: is_listed(db, v)) if cued else None,
    )
    typed += codes_without_prefix(
        question,
        lambda: learned_prefixes(db),
        formats,
        lambda value: bool(entries(db, [code_key(value)])),
        taken=typed,
    )
    opening = opening_number(question, FormatSet(cued), lambda *a: _neighbours(db, *a))
    if opening is not None and not any(t.start <= opening.start < t.end for t in typed):
        typed.append(opening)
    typed.sort(key=lambda code: code.start)
    readings = [
        CodeReading(t, tuple(entries(db, [t.key], spelled=t.value))) for t in typed
    ]
    typed_keys = {t.key for t in typed}
    for key in known_code_keys(db, question, typed_keys):
        if key in typed_keys:
            continue
        found = entries(db, [key], spelled=question)
        code = TypedCode(found[0].code, found[0].code, found[0].kind, (), -1, -1)
        readings.append(CodeReading(code, tuple(found)))
    return readings


def is_listed(db: Database, value: str) -> bool:
    """Whether a code table lists ``value`` spelled as it is (``2.1``, not ``21``)."""
    return any(
        same_spelling(e.code) == same_spelling(value)
        for e in entries(db, [code_key(value)])
    )


def typed_codes(db: Database, text: str) -> list[TypedCode]:
    """The codes ``text`` spells in the KB's formats, slips read; plain
    numbers of a loose format only right after a code cue ("alarm 5298")."""
    in_use, cued = reading_formats(db)
    return codes_in_question(
        text, FormatSet(in_use), cued_formats_of(cued) if cued else None
    )


def closest_codes(
    code: str, listed: Sequence[CodeEntry], limit: int
) -> list[CodeEntry]:
    """The ``listed`` codes that look most like ``code``.

    Ranked by edit distance of the keys, then by how far apart their
    numbers are.
    """
    key = code_key(code)
    number = _number(key)
    ranked = sorted(
        listed,
        key=lambda e: (
            Levenshtein.distance(key, code_key(e.code)),
            abs(_number(code_key(e.code)) - number),
            e.code,
        ),
    )
    return list({e.code: e for e in ranked}.values())[:limit]


def entries(
    db: Database, keys: Sequence[str], *, spelled: str | None = None
) -> list[CodeEntry]:
    """The entries listed under ``keys``, in the order of the keys.

    Codes of one table that differ only by separators (``2.1`` and ``21``)
    share a key; where ``spelled`` (the text the key came from) spells some
    of them with their own separators, only those are meant. Spelled neither
    way (``2 1``), every one is, each with its own text.
    """
    if not keys:
        return []
    placeholders = ", ".join("?" for _ in keys)
    rows = db.execute(
        "SELECT key, code, kind, description, chunk_id, document_id, "
        f"attributes FROM codes WHERE key IN ({placeholders})",
        list(keys),
    ).fetchall()
    order = {key: i for i, key in enumerate(keys)}
    rows.sort(key=lambda row: (order[row[0]], row[5]))
    found = [_code_entry(row[1:]) for row in rows]
    return _as_spelled(found, spelled) if spelled is not None else found


def _as_spelled(found: list[CodeEntry], text: str) -> list[CodeEntry]:
    groups: dict[tuple[str, str], list[CodeEntry]] = {}
    for entry in found:
        groups.setdefault((entry.document_id, code_key(entry.code)), []).append(entry)
    kept: list[CodeEntry] = []
    for group in groups.values():
        meant = [e for e in group if spelled_in(e.code, text)] if len(group) > 1 else []
        kept.extend(meant or group)
    return [entry for entry in found if entry in kept]


def codes_of_kind(db: Database, kind: CodeKind) -> list[CodeEntry]:
    """Every registered code of one kind (e.g. the parts catalogue), by code."""
    rows = db.execute(
        "SELECT code, kind, description, chunk_id, document_id, attributes "
        "FROM codes WHERE kind = ? ORDER BY code, document_id",
        [kind.value],
    ).fetchall()
    return [_code_entry(row) for row in rows]


def _neighbours(db: Database, kind: CodeKind, number: str) -> int:
    """How many listed codes of ``kind`` lie in ``number``'s group (see
    :mod:`knowledge_cache.code_numbering`): for ``18.4``, the group's own
    code ``18`` and those that start with ``18.``; for ``5216``, the plain
    numbers of four digits that start with ``52``; for ``37``, those of two
    that start with ``3``."""
    if "." in number:
        group = number[: number.rindex(".") + 1]
        row = db.execute(
            "SELECT count(*) FROM codes WHERE kind = ? "
            "AND (substr(code, 1, ?) = ? OR code = ?)",
            [kind.value, len(group), group, group[:-1]],
        ).fetchone()
    else:
        start = number[: -2 if len(number) > 2 else -1]
        row = db.execute(
            "SELECT count(*) FROM codes WHERE kind = ? AND substr(code, 1, ?) = ? "
            "AND length(code) = ? AND code NOT GLOB '*[^0-9]*'",
            [kind.value, len(start), start, len(number)],
        ).fetchone()
    return int(row[0])


def _number(key: str) -> int:
    digits = "".join(ch for ch in key if ch.isdigit())
    return int(digits) if digits else 0


def _code_entry(row: Sequence[Any]) -> CodeEntry:
    code, kind, description, chunk_id, document_id, attributes = row
    return CodeEntry(
        code=code,
        kind=CodeKind(kind),
        description=description,
        chunk_id=chunk_id,
        document_id=document_id,
        attributes=json.loads(attributes),
    )
