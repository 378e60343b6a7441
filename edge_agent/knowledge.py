"""Where the app finds its knowledge base and the bundled demo data."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity
from edge_agent.config import EdgeSettings
from edge_agent.errors import KnowledgeDamaged
from edge_agent.files import write_json_atomic
from edge_agent.home import HomeLayout
from knowledge_cache import CacheCorrupt, KnowledgeCacheError, KnowledgeStore


def open_knowledge(
    settings: EdgeSettings, path: Path | None = None, *, create: bool = False
) -> KnowledgeStore:
    """Open the knowledge base in the home directory (or at ``path``, for a
    sync building a new one), creating it if it is not there yet.

    Once the home's knowledge base has held documents, a missing or empty
    file is damage, not a new start: it is reported and nothing is created,
    unless ``create`` says the caller fills it (an ingest, the demo).

    Questions are ranked with the similarity of meaning too. With
    ``meaning_search`` on, chunk vectors are stored at ingest and a
    question's nearest vectors join its candidates. The model loads on the
    first question or ingest, not here.

    Raises:
        KnowledgeDamaged: the file is damaged, or lost or emptied after it
            held documents; it was left as it is.
        CacheUnavailable: it cannot be used now (a full disk, read-only).
    """
    target = settings.layout.knowledge_db if path is None else path
    if path is None and not create:
        _refuse_a_lost_knowledge_base(settings.layout)
    try:
        store = KnowledgeStore.open(
            target,
            similarity=meaning_similarity,
            embedder=WordLlamaEmbedder() if settings.meaning_search else None,
        )
    except CacheCorrupt as exc:
        raise knowledge_damaged(target, exc.cause or exc.message) from exc
    if path is None:
        remember_knowledge(settings.layout, store)
    return store


def remember_knowledge(layout: HomeLayout, store: KnowledgeStore) -> None:
    """Record, once, that the home's knowledge base holds documents.

    Best effort: a record that cannot be written now is written at a later
    open; until then a lost file is taken for a new start, as before.
    """
    record = layout.knowledge_record
    if record.exists():
        return
    try:
        if store.manifest().documents:
            write_json_atomic(
                record, {"had_documents_since": datetime.now(UTC).isoformat()}
            )
    except (OSError, KnowledgeCacheError):
        return


def _refuse_a_lost_knowledge_base(layout: HomeLayout) -> None:
    """A knowledge base that held documents and is now missing or empty is
    reported: made anew, it would answer every question with nothing."""
    path = layout.knowledge_db
    if not layout.knowledge_record.exists():
        return
    try:
        state = "empty" if path.stat().st_size == 0 else ""
    except FileNotFoundError:
        state = "missing"
    except OSError:
        return  # opening it says what is wrong
    if not state:
        return
    raise KnowledgeDamaged(
        f"The knowledge base {path} is {state}, but this device had one "
        f"({layout.knowledge_record.name} records it). Nothing was created in "
        "its place. 'edge-agent sync' fetches the centre's knowledge base; "
        "without a centre, put the file back from a backup or ingest the "
        "documents again ('edge-agent kb ingest'). Queued actions are not "
        "affected: 'edge-agent actions list' and 'edge-agent sync' work "
        "without the knowledge base.",
        path=path,
        cause=f"the file is {state}",
    )


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
