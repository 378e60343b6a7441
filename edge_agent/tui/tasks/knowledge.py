"""Reading the knowledge base for the browser and for cited chunks."""

from __future__ import annotations

from edge_agent.config import EdgeSettings
from edge_agent.tui.tasks.stores import knowledge
from knowledge_cache import Chunk, Document, NotFound, SearchHit

SEARCH_LIMIT = 20


def search(
    settings: EdgeSettings, query: str, *, limit: int = SEARCH_LIMIT
) -> list[SearchHit]:
    """Chunks for ``query``, best first (the text is searched literally)."""
    with knowledge(settings) as store:
        return store.search(query, limit=limit)


def documents(settings: EdgeSettings) -> list[Document]:
    """Every document in the knowledge base, by id."""
    with knowledge(settings) as store:
        return store.documents()


def sections(settings: EdgeSettings, document: Document) -> list[Chunk]:
    """The document's chunks in reading order: its sections, pages or rows."""
    found = []
    with knowledge(settings) as store:
        for ordinal in range(1, document.chunk_count + 1):
            try:
                found.append(store.chunk(f"{document.id}#{ordinal}"))
            except NotFound:
                continue  # re-ingested meanwhile: show what is there
    return found


def chunk(settings: EdgeSettings, chunk_id: str) -> Chunk:
    """One chunk by id.

    Raises:
        NotFound: no such chunk (its document was re-ingested or removed).
    """
    with knowledge(settings) as store:
        return store.chunk(chunk_id)
