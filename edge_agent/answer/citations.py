"""Where an answer's lines come from: the chunks they cite, by document,
section and page."""

from __future__ import annotations

from collections.abc import Iterable

from edge_agent.answer.values import Citation
from knowledge_cache import KnowledgeStore, SearchHit


def citations(store: KnowledgeStore, chunk_ids: Iterable[str]) -> tuple[Citation, ...]:
    """The citation of each chunk, once each, in the order first named."""
    found = []
    for chunk_id in dict.fromkeys(chunk_ids):
        chunk = store.chunk(chunk_id)
        found.append(Citation(chunk_id, chunk.document_id, chunk.section, chunk.page))
    return tuple(found)


def citation(hit: SearchHit) -> Citation:
    """The citation of a search hit's chunk."""
    chunk = hit.chunk
    return Citation(chunk.chunk_id, chunk.document_id, chunk.section, chunk.page)
