"""Whether a search hit answers a question: the share of its words it holds.

Ranking (:mod:`knowledge_cache.concepts`) orders the candidates; this is the
one place that decides which of them hold enough of the question to be
answered from, so every front end says "nothing in the knowledge base answers
this" for the same questions.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge_cache.concepts import coverage_share
from knowledge_cache.models import TABLE_KINDS, SearchHit
from knowledge_cache.search import UnderstoodQuery

RELEVANCE_THRESHOLD = 0.5
"""Share of a question's content words a hit must contain to count as an answer."""


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
