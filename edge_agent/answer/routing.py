"""Routing facts: which codes a question names, listed or absent.

Whether a search hit is relevant enough to answer from is decided by the
knowledge base (:func:`knowledge_cache.relevant_hits`), next to its ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_cache import TABLE_KINDS, CodeEntry, TypedCode, UnderstoodQuery


@dataclass(frozen=True, slots=True)
class CodeMentions:
    """Codes a question names: listed in the KB, absent from it, and those read
    with a typing slip put right."""

    found: tuple[CodeEntry, ...]
    absent: tuple[TypedCode, ...]
    corrected: tuple[TypedCode, ...] = ()


def code_mentions(understood: UnderstoodQuery) -> CodeMentions:
    """The codes of an understood question: each found entry once, in order."""
    found: dict[tuple[str, str], CodeEntry] = {}
    absent: list[TypedCode] = []
    for reading in understood.readings:
        for entry in reading.entries:
            found.setdefault((entry.code, entry.chunk_id), entry)
        if (
            not reading.known
            and reading.code.kind in TABLE_KINDS
            and all(a.value != reading.code.value for a in absent)
        ):
            absent.append(reading.code)
    corrected = tuple(r.code for r in understood.readings if r.code.corrected)
    return CodeMentions(tuple(found.values()), tuple(absent), corrected)
