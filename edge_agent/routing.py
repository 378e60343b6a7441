"""Routing facts: which codes a question names, and whether hits are relevant."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_cache import CodeEntry, CodeFormat, CodeKind, KnowledgeStore, SearchHit
from knowledge_cache.codes import compile_formats
from knowledge_cache.search import query_words
from knowledge_cache.stemming import stem_matches, stem_words

TABLE_KINDS = frozenset({CodeKind.FAULT_CODE, CodeKind.PART_NUMBER})
"""Kinds whose codes live in code tables, so "not in the KB" is decidable."""

RELEVANCE_THRESHOLD = 0.5
"""Share of a question's content words a hit must contain to count as an answer."""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class CodeMentions:
    """Codes named in a question: those found in the KB and those absent from it."""

    found: tuple[CodeEntry, ...]
    absent: tuple[str, ...]


def code_mentions(
    store: KnowledgeStore, question: str, formats: Sequence[CodeFormat]
) -> CodeMentions:
    """Look up every code the question names; report table codes it lacks."""
    found = tuple(store.lookup_code(question))
    known = {entry.code.upper() for entry in found}
    table_formats = [f for f in formats if f.kind in TABLE_KINDS]
    absent = []
    for pattern in compile_formats(table_formats):
        for match in pattern.finditer(question.upper()):
            code = match.group()
            if code not in known and not store.lookup_code(code):
                absent.append(code)
    return CodeMentions(found=found, absent=tuple(dict.fromkeys(absent)))


def coverage(question: str, hit: SearchHit) -> float:
    """Share of the question's content words that the hit holds in some form
    (by Porter stem, as search matched them)."""
    stems = set(stem_words(query_words(question)))
    if not stems:
        return 0.0
    chunk = hit.chunk
    present = set(_WORD.findall(f"{chunk.title} {chunk.section} {chunk.text}".lower()))
    found = {s for s in stems if any(stem_matches(s, word) for word in present)}
    return len(found) / len(stems)


def relevant_hits(question: str, hits: Sequence[SearchHit]) -> list[SearchHit]:
    """The hits that contain enough of the question to answer from."""
    return [hit for hit in hits if coverage(question, hit) >= RELEVANCE_THRESHOLD]
