"""Hybrid candidates: BM25's and the nearest chunk vectors', fused by rank.

A question in everyday words may share no word with the chunk that answers
it: BM25 cannot find that chunk, and re-ranking only orders what BM25
found. The chunks whose vectors lie nearest the question's join the
candidates; reciprocal rank fusion gives each candidate a score from its
place in either list (``1 / (RRF_K + place)``, the dense list weighted by
:data:`DENSE_WEIGHT`), which re-ranking then reads in place of BM25's
relative score. BM25's best candidate stays first in the list, so
re-ranking keeps it in sight as it always has.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60
"""Reciprocal rank fusion's constant: places further down count less."""
DENSE_POOL = 10
"""Nearest chunk vectors added to BM25's candidates."""
DENSE_WEIGHT = 0.5
"""Weight of a place among the nearest vectors against one in BM25's list.

Both chosen on the demo fleet's tuning questions (hit@1 and hit@5): 5 or 10
nearest at 0.5 did best; 20 nearest, or a weight of 1.0, lost hits at 5."""


def fuse(
    keyword: Sequence[tuple[int, float]],
    dense: Sequence[tuple[int, float]],
    *,
    dense_weight: float = DENSE_WEIGHT,
) -> list[tuple[int, float]]:
    """Candidates of both lists as (rowid, fused score): BM25's best first,
    then the rest by fused score (reciprocal rank fusion)."""
    fused: dict[int, float] = {}
    for place, (rowid, _) in enumerate(keyword, start=1):
        fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (RRF_K + place)
    for place, (rowid, _) in enumerate(dense, start=1):
        fused[rowid] = fused.get(rowid, 0.0) + dense_weight / (RRF_K + place)
    ranked = sorted(fused.items(), key=lambda item: -item[1])
    if keyword:
        first = keyword[0][0]
        ranked.sort(key=lambda item: item[0] != first)
    return ranked
