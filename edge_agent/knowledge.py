"""Where the app finds its knowledge base and the bundled demo data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity
from edge_agent.config import EdgeSettings
from edge_agent.errors import KnowledgeDamaged
from knowledge_cache import CacheCorrupt, KnowledgeStore


def open_knowledge(settings: EdgeSettings, path: Path | None = None) -> KnowledgeStore:
    """Open (creating if needed) the knowledge base in the home directory
    (or at ``path``, for a sync building a new one).

    Questions are ranked with the similarity of meaning too. With
    ``meaning_search`` on, chunk vectors are stored at ingest and a
    question's nearest vectors join its candidates. The model loads on the
    first question or ingest, not here.

    Raises:
        KnowledgeDamaged: the file is damaged; it was left as it is.
        CacheUnavailable: it cannot be used now (a full disk, read-only).
    """
    target = settings.layout.knowledge_db if path is None else path
    try:
        return KnowledgeStore.open(
            target,
            similarity=meaning_similarity,
            embedder=WordLlamaEmbedder() if settings.meaning_search else None,
        )
    except CacheCorrupt as exc:
        raise knowledge_damaged(target, exc.cause or exc.message) from exc


def knowledge_damaged(path: Path, cause: str) -> KnowledgeDamaged:
    """The error for a damaged knowledge base, with the remedies that work."""
    return KnowledgeDamaged(
        f"The knowledge base {path} is damaged ({cause}). It was left as it is. "
        "'edge-agent sync' replaces it with the centre's knowledge base and keeps "
        f"this file beside it as {path.name}.damaged; without a centre, move it "
        "aside and ingest the documents again ('edge-agent kb ingest'). Queued "
        "actions are not affected: 'edge-agent actions list' and 'edge-agent "
        "sync' work without the knowledge base.",
        path=path,
        cause=cause,
    )


def demo_data_dir() -> Path:
    """The demo fleet's manuals and tables, shipped inside the package."""
    return Path(str(resources.files("edge_agent") / "demo_data"))
