"""What a chunk is about: the code-table entry it is, or the codes its heading names.

A code table's row is about its code (a fault, a part). A manual section is
about the listed codes its heading names ("5.10 E-42 Motor overload trip"):
the troubleshooting section of a fault. Ranking uses this to prefer chunks
about the kind of thing a question asks for (see :mod:`knowledge_cache.intent`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from knowledge_cache.code_keys import code_keys_in_text
from knowledge_cache.models import Chunk, CodeKind


def chunk_subjects(
    db: Database, chunks: Mapping[int, Chunk]
) -> dict[int, frozenset[CodeKind]]:
    """The kinds of listed code each chunk (by rowid) is about; chunks about
    none are left out."""
    by_chunk_id = {chunk.chunk_id: rowid for rowid, chunk in chunks.items()}
    subjects: dict[int, set[CodeKind]] = {}
    for chunk_id, kind in _select(
        db, "SELECT chunk_id, kind FROM codes WHERE chunk_id IN ({})", by_chunk_id
    ):
        subjects.setdefault(by_chunk_id[chunk_id], set()).add(CodeKind(kind))
    headings = {
        rowid: code_keys_in_text(chunk.section)
        for rowid, chunk in chunks.items()
        if rowid not in subjects and chunk.section
    }
    named = sorted(set().union(*headings.values())) if headings else []
    kinds: dict[str, set[CodeKind]] = {}
    for key, kind in _select(
        db, "SELECT DISTINCT key, kind FROM codes WHERE key IN ({})", named
    ):
        kinds.setdefault(key, set()).add(CodeKind(kind))
    for rowid, keys in headings.items():
        for key in keys & kinds.keys():
            subjects.setdefault(rowid, set()).update(kinds[key])
    return {rowid: frozenset(found) for rowid, found in subjects.items()}


def _select(
    db: Database, sql: str, values: Sequence[str] | Mapping[str, int]
) -> list[Any]:
    keys = list(values)
    if not keys:
        return []
    return db.execute(sql.format(", ".join("?" for _ in keys)), keys).fetchall()
