"""Routing facts: which codes a question names, and whether hits are relevant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_cache import CodeEntry, CodeKind, SearchHit
from knowledge_cache.concepts import coverage_share
from knowledge_cache.question_codes import TypedCode
from knowledge_cache.search import UnderstoodQuery

TABLE_KINDS = frozenset({CodeKind.FAULT_CODE, CodeKind.PART_NUMBER})
"""Kinds whose codes live in code tables, so "not in the KB" is decidable."""

RELEVANCE_THRESHOLD = 0.5
"""Share of a question's content words a hit must contain to count as an answer."""


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
    corrected = tuple(r.code for r in understood.readings if r.code.fixes)
    return CodeMentions(tuple(found.values()), tuple(absent), corrected)


def coverage(understood: UnderstoodQuery, hit: SearchHit) -> float:
    """Share of the question's content words that the hit holds in some form:
    the word itself (by Porter stem, as search matched it) or one of its
    alternatives (a glossary phrase, a number, a corrected spelling). A code
    no table lists (a serial or model number) counts as a word, held when
    the hit names it."""
    unlisted = [
        r.code.key
        for r in understood.readings
        if not r.known and r.code.kind not in TABLE_KINDS
    ]
    return coverage_share(understood.understanding, hit.chunk, unlisted)


def relevant_hits(
    understood: UnderstoodQuery, hits: Sequence[SearchHit]
) -> list[SearchHit]:
    """The hits that contain enough of the question to answer from."""
    return [hit for hit in hits if coverage(understood, hit) >= RELEVANCE_THRESHOLD]
