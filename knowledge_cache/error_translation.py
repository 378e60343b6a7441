"""SQLite failures translated into the package's errors, at the store's edge."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from knowledge_cache.errors import CacheCorrupt, KnowledgeCacheError
from knowledge_cache.integrity import unavailable


@contextmanager
def translated(path: Path | None) -> Iterator[None]:
    """Raise a SQLite failure inside as a :class:`KnowledgeCacheError`: a full
    disk, a read-only file or an I/O error as :class:`CacheUnavailable` (see
    :func:`~knowledge_cache.integrity.unavailable`), busy, not updated
    (nothing changed) or, for any other, :class:`CacheCorrupt`.

    ``path`` is the KB's file (none for a connection), named in the error.
    """
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if (problem := unavailable(path, exc)) is not None:
            raise problem from exc  # a full disk, a read-only file: not damage
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise KnowledgeCacheError(
                "The knowledge base is busy (another process is writing); "
                "try again in a moment.",
                path=path,
            ) from exc
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.OperationalError):
            raise KnowledgeCacheError(
                f"The knowledge base could not be updated ({exc}); nothing "
                "was changed. Free disk space or try again.",
                path=path,
            ) from exc
        raise CacheCorrupt(
            f"The knowledge base {path or ''} is damaged ({exc}). It was "
            "left as it is: move it aside and ingest again, or sync a fresh "
            "snapshot.",
            path=path,
        ) from exc
