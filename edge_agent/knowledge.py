"""Where the app finds its knowledge base and the bundled demo data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity
from edge_agent.config import EdgeSettings
from knowledge_cache import KnowledgeStore


def open_knowledge(settings: EdgeSettings) -> KnowledgeStore:
    """Open (creating if needed) the knowledge base in the home directory.

    Questions are ranked with the similarity of meaning too. With
    ``meaning_search`` on, chunk vectors are stored at ingest and a
    question's nearest vectors join its candidates. The model loads on the
    first question or ingest, not here.
    """
    return KnowledgeStore.open(
        settings.layout.knowledge_db,
        similarity=meaning_similarity,
        embedder=WordLlamaEmbedder() if settings.meaning_search else None,
    )


def demo_data_dir() -> Path:
    """The demo fleet's manuals and tables, shipped inside the package."""
    return Path(str(resources.files("edge_agent") / "demo_data"))
