"""Offline knowledge base on SQLite FTS5: ingest manuals and code tables, search."""

from __future__ import annotations

from knowledge_cache.code_keys import (
    code_key,
    code_keys_in_text,
    compile_formats,
    looks_like_code,
)
from knowledge_cache.english import is_english
from knowledge_cache.errors import (
    CacheCorrupt,
    CacheUnavailable,
    IngestError,
    KnowledgeCacheError,
    NotFound,
    QuerySyntaxError,
    SnapshotError,
)
from knowledge_cache.format_matching import DASHES, MAX_FIXES, FormatMatch, FormatSet
from knowledge_cache.ingest import SourceFile, source_size
from knowledge_cache.integrity import check_integrity
from knowledge_cache.models import (
    TABLE_KINDS,
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
    LearnedFormat,
    Manifest,
    ManifestEntry,
    SearchHit,
    Snapshot,
    SnapshotFile,
)
from knowledge_cache.namesakes import Namesakes
from knowledge_cache.quantities import is_quantity
from knowledge_cache.question_codes import (
    LIST_JOINER,
    CodeReading,
    CuedFormats,
    TypedCode,
    cued_formats_of,
)
from knowledge_cache.relevance import relevant_hits
from knowledge_cache.search import UnderstoodQuery
from knowledge_cache.stopwords import STOP_WORDS
from knowledge_cache.store import KnowledgeStore
from knowledge_cache.vectors import Embedder, VectorCounts

__all__ = [
    "DASHES",
    "LIST_JOINER",
    "MAX_FIXES",
    "STOP_WORDS",
    "TABLE_KINDS",
    "CacheCorrupt",
    "CacheUnavailable",
    "Chunk",
    "CodeEntry",
    "CodeFormat",
    "CodeKind",
    "CodeReading",
    "Document",
    "Embedder",
    "DocumentKind",
    "FileOutcome",
    "FormatMatch",
    "CuedFormats",
    "FormatSet",
    "IngestError",
    "IngestReport",
    "IngestStatus",
    "KbStats",
    "LearnedFormat",
    "KnowledgeCacheError",
    "KnowledgeStore",
    "Manifest",
    "ManifestEntry",
    "Namesakes",
    "NotFound",
    "QuerySyntaxError",
    "SearchHit",
    "Snapshot",
    "SnapshotError",
    "SnapshotFile",
    "SourceFile",
    "TypedCode",
    "UnderstoodQuery",
    "VectorCounts",
    "check_integrity",
    "code_key",
    "code_keys_in_text",
    "cued_formats_of",
    "is_english",
    "is_quantity",
    "compile_formats",
    "looks_like_code",
    "relevant_hits",
    "source_size",
]
