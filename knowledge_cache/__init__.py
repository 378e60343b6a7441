"""Offline knowledge base on SQLite FTS5: ingest manuals and code tables, search."""

from __future__ import annotations

from knowledge_cache.codes import code_key
from knowledge_cache.errors import (
    CacheCorrupt,
    IngestError,
    KnowledgeCacheError,
    NotFound,
    QuerySyntaxError,
    SnapshotError,
)
from knowledge_cache.ingest import SourceFile
from knowledge_cache.models import (
    Chunk,
    CodeEntry,
    CodeFormat,
    CodeKind,
    Document,
    DocumentKind,
    FileOutcome,
    IngestReport,
    IngestStatus,
    KbStats,
    Manifest,
    ManifestEntry,
    SearchHit,
    Snapshot,
    SnapshotFile,
)
from knowledge_cache.store import KnowledgeStore

__all__ = [
    "CacheCorrupt",
    "Chunk",
    "CodeEntry",
    "CodeFormat",
    "CodeKind",
    "Document",
    "DocumentKind",
    "FileOutcome",
    "IngestError",
    "IngestReport",
    "IngestStatus",
    "KbStats",
    "KnowledgeCacheError",
    "KnowledgeStore",
    "Manifest",
    "ManifestEntry",
    "NotFound",
    "QuerySyntaxError",
    "SearchHit",
    "SnapshotError",
    "Snapshot",
    "SnapshotFile",
    "SourceFile",
    "code_key",
]
