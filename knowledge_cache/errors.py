"""Errors raised by the knowledge cache.

KnowledgeCacheError            anything the cache reports
├── IngestError                one input file cannot be ingested (names the file)
├── CacheCorrupt               the database file is damaged or not a database
├── CacheUnavailable           the file cannot be used now, though not damaged:
│                              the disk is full, it is read-only, an I/O error
├── QuerySyntaxError           a search could not be run as given
├── SnapshotError              a KB snapshot cannot be applied; the KB is unchanged
└── NotFound                   no chunk or document with that id
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeCacheError(Exception):
    """Base class: a plain-language ``message`` and an optional ``title``."""

    def __init__(
        self, message: str, *, title: str | None = None, path: Path | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.title = title
        self.path = path


class IngestError(KnowledgeCacheError):
    """A file could not be ingested; nothing of it was written."""


class CacheCorrupt(KnowledgeCacheError):
    """The database file cannot be used; it is left as it is on disk.

    ``cause`` says what was found, when known (``it is cut short ...``).
    """

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        path: Path | None = None,
        cause: str = "",
    ) -> None:
        super().__init__(message, title=title, path=path)
        self.cause = cause


class CacheUnavailable(KnowledgeCacheError):
    """The file cannot be read or written now, but nothing says it is damaged.

    ``reason`` is ``disk_full``, ``read_only`` or ``io_error``; the message
    says what to do (free space, make it writable, check the disk).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        title: str | None = None,
        path: Path | None = None,
    ) -> None:
        super().__init__(message, title=title, path=path)
        self.reason = reason


class QuerySyntaxError(KnowledgeCacheError):
    """The search engine refused the query."""


class SnapshotError(KnowledgeCacheError):
    """A snapshot was refused or failed; the previous KB is intact."""


class NotFound(KnowledgeCacheError):
    """The requested chunk or document does not exist."""
