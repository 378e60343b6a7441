"""``KnowledgeStore``: the facade other packages use to read and update the KB."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge_cache.db import open_db
from knowledge_cache.errors import CacheCorrupt, KnowledgeCacheError, NotFound
from knowledge_cache.ingest import (
    MAX_FILE_BYTES,
    Clock,
    ProgressCallback,
    SourceFile,
    collect_sources,
    ingest_sources,
    utc_now,
)
from knowledge_cache.models import (
    Chunk,
    CodeEntry,
    CodeFormat,
    CodeKind,
    Document,
    DocumentKind,
    IngestReport,
    KbStats,
    Manifest,
    SearchHit,
    Snapshot,
)
from knowledge_cache.query_plan import FrequencyCache
from knowledge_cache.search import chunk_from_row, known_code_keys, search_chunks
from knowledge_cache.snapshot import apply_snapshot, manifest
from knowledge_cache.writer import NAME_KEY, code_formats, kb_version, meta


class KnowledgeStore:
    """The knowledge base on one SQLite database.

    Build it with :meth:`open`; every method translates SQLite failures into
    :class:`KnowledgeCacheError` subclasses.
    """

    def __init__(
        self, db: Database, *, path: Path | None = None, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self._path = path
        self._clock = clock
        self._frequencies = FrequencyCache()

    @classmethod
    def open(
        cls, target: Path | sqlite3.Connection, *, clock: Clock = utc_now
    ) -> KnowledgeStore:
        """Open the KB at ``target`` (a file path or a connection), migrating it."""
        db = open_db(target)
        return cls(db, path=target if isinstance(target, Path) else None, clock=clock)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> KnowledgeStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sources(self, paths: Iterable[Path]) -> list[SourceFile]:
        """The files that ingesting ``paths`` would read, folders expanded."""
        return list(collect_sources(paths))

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Ingest files and folders; each file is replaced atomically or not at all."""
        return self.ingest_sources(self.sources(paths), progress=progress)

    def ingest_sources(
        self,
        sources: Iterable[SourceFile],
        *,
        progress: ProgressCallback | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
    ) -> IngestReport:
        """Ingest files listed by :meth:`sources`; a file over the limit fails."""
        with self._translated():
            return ingest_sources(
                self._db,
                sources,
                clock=self._clock,
                progress=progress,
                max_file_bytes=max_file_bytes,
            )

    def search(self, query: str, *, limit: int = 10) -> list[SearchHit]:
        """Chunks for ``query``, best first; exact code matches lead."""
        with self._translated():
            return search_chunks(
                self._db, query, limit=limit, frequencies=self._frequencies
            )

    def lookup_code(self, text: str) -> list[CodeEntry]:
        """Entries of the code tables for any code spelled in ``text``."""
        with self._translated():
            keys = known_code_keys(self._db, text)
            if not keys:
                return []
            placeholders = ", ".join("?" for _ in keys)
            rows = self._db.execute(
                "SELECT key, code, kind, description, chunk_id, document_id, "
                f"attributes FROM codes WHERE key IN ({placeholders})",
                keys,
            ).fetchall()
        order = {key: i for i, key in enumerate(keys)}
        rows.sort(key=lambda row: (order[row[0]], row[5]))
        return [_code_entry(row[1:]) for row in rows]

    def codes_of_kind(self, kind: CodeKind) -> list[CodeEntry]:
        """Every registered code of one kind (e.g. the parts catalogue), by code."""
        with self._translated():
            rows = self._db.execute(
                "SELECT code, kind, description, chunk_id, document_id, attributes "
                "FROM codes WHERE kind = ? ORDER BY code, document_id",
                [kind.value],
            ).fetchall()
        return [_code_entry(row) for row in rows]

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id.

        Raises:
            NotFound: no such chunk (e.g. its document was re-ingested).
        """
        with self._translated():
            row = self._db.execute(
                "SELECT chunk_id, document_id, title, section, page, body "
                "FROM chunks WHERE chunk_id = ?",
                [chunk_id],
            ).fetchone()
        if row is None:
            raise NotFound(f"No chunk {chunk_id} in the knowledge base.")
        return chunk_from_row(row)

    def documents(self) -> list[Document]:
        """Every stored document, by id."""
        with self._translated():
            rows = self._db.execute(
                "SELECT id, title, kind, content_hash, size_bytes, chunk_count, "
                "ingested_at FROM documents ORDER BY id"
            ).fetchall()
        return [
            Document(doc_id, title, DocumentKind(kind), digest, size, count, at)
            for doc_id, title, kind, digest, size, count, at in rows
        ]

    def code_formats(self) -> list[CodeFormat]:
        """The code formats that the KB declares (from its ``kb.toml``)."""
        with self._translated():
            return code_formats(self._db)

    def stats(self) -> KbStats:
        with self._translated():
            by_kind = dict(
                self._db.execute(
                    "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind"
                ).fetchall()
            )
            (chunks,) = self._db.execute("SELECT count(*) FROM chunks").fetchone()
            (codes,) = self._db.execute("SELECT count(*) FROM codes").fetchone()
            return KbStats(
                name=meta(self._db, NAME_KEY),
                version=kb_version(self._db),
                documents=sum(by_kind.values()),
                chunks=int(chunks),
                codes=int(codes),
                size_bytes=self._size_on_disk(),
                documents_by_kind=by_kind,
            )

    def manifest(self) -> Manifest:
        with self._translated():
            return manifest(self._db)

    def apply_snapshot(self, snapshot: Snapshot) -> int:
        """Apply a snapshot atomically (see :mod:`knowledge_cache.snapshot`)."""
        with self._translated():
            return apply_snapshot(
                self._db,
                snapshot,
                ingested_at=self._clock().isoformat(timespec="seconds"),
            )

    def _size_on_disk(self) -> int:
        if self._path is None:
            return 0
        files = [self._path, *(Path(f"{self._path}{s}") for s in ("-wal", "-shm"))]
        return sum(f.stat().st_size for f in files if f.exists())

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise KnowledgeCacheError(
                    "The knowledge base is busy (another process is writing); "
                    "try again in a moment.",
                    path=self._path,
                ) from exc
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.OperationalError):
                raise KnowledgeCacheError(
                    f"The knowledge base could not be updated ({exc}); nothing "
                    "was changed. Free disk space or try again.",
                    path=self._path,
                ) from exc
            raise CacheCorrupt(
                f"The knowledge base {self._path or ''} is damaged ({exc}). It was "
                "left as it is: move it aside and ingest again, or sync a fresh "
                "snapshot.",
                path=self._path,
            ) from exc


def _code_entry(row: Sequence[Any]) -> CodeEntry:
    code, kind, description, chunk_id, document_id, attributes = row
    return CodeEntry(
        code=code,
        kind=CodeKind(kind),
        description=description,
        chunk_id=chunk_id,
        document_id=document_id,
        attributes=json.loads(attributes),
    )
