"""What a knowledge base holds, read back: one chunk, its documents and its
figures (counts, formats, vectors, size on disk)."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from knowledge_cache.code_formats import (
    code_formats,
    declared_formats,
    learned_formats,
)
from knowledge_cache.errors import NotFound
from knowledge_cache.meaning import MeaningSearch
from knowledge_cache.models import Chunk, Document, DocumentKind, KbStats
from knowledge_cache.search import chunk_from_row
from knowledge_cache.writer import NAME_KEY, VERSION_AT_KEY, kb_version, meta


def chunk(db: Database, chunk_id: str) -> Chunk:
    """The chunk with this id.

    Raises:
        NotFound: no such chunk (e.g. its document was re-ingested).
    """
    row = db.execute(
        "SELECT chunk_id, document_id, title, section, page, body "
        "FROM chunks WHERE chunk_id = ?",
        [chunk_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No chunk {chunk_id} in the knowledge base.")
    return chunk_from_row(row)


def documents(db: Database) -> list[Document]:
    """Every stored document, by id."""
    rows = db.execute(
        "SELECT id, title, kind, content_hash, size_bytes, chunk_count, "
        "ingested_at FROM documents ORDER BY id"
    ).fetchall()
    return [
        Document(doc_id, title, DocumentKind(kind), digest, size, count, at)
        for doc_id, title, kind, digest, size, count, at in rows
    ]


def stats(db: Database, meaning: MeaningSearch, path: Path | None) -> KbStats:
    """The KB's figures; ``path`` (none for a connection) gives its size."""
    by_kind = dict(
        db.execute(
            "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind"
        ).fetchall()
    )
    (chunks,) = db.execute("SELECT count(*) FROM chunks").fetchone()
    (codes,) = db.execute("SELECT count(*) FROM codes").fetchone()
    vectors = meaning.counts(db)
    return KbStats(
        name=meta(db, NAME_KEY),
        version=kb_version(db),
        documents=sum(by_kind.values()),
        chunks=int(chunks),
        codes=int(codes),
        size_bytes=_size_on_disk(path),
        documents_by_kind=by_kind,
        declared_formats=tuple(declared_formats(db)),
        learned_formats=tuple(learned_formats(db)),
        formats_in_use=tuple(code_formats(db)),
        vector_model=vectors.model,
        chunks_with_vectors=vectors.with_vectors,
        updated_at=_updated_at(db),
    )


def _updated_at(db: Database) -> str:
    """When the KB's version came: the last snapshot applied or the newest
    ingest, whichever is later (both are ISO 8601 in UTC)."""
    (ingested,) = db.execute("SELECT max(ingested_at) FROM documents").fetchone()
    return max(meta(db, VERSION_AT_KEY), str(ingested or ""))


def _size_on_disk(path: Path | None) -> int:
    if path is None:
        return 0
    files = [path, *(Path(f"{path}{s}") for s in ("-wal", "-shm"))]
    return sum(f.stat().st_size for f in files if f.exists())
