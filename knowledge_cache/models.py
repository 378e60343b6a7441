"""Values the knowledge cache hands out: documents, chunks, hits, codes, stats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class DocumentKind(StrEnum):
    """How a source file was read."""

    MARKDOWN = "markdown"
    TEXT = "text"
    PDF = "pdf"
    TABLE = "table"


class CodeKind(StrEnum):
    """What a code identifies."""

    FAULT_CODE = "fault_code"
    PART_NUMBER = "part_number"
    SERIAL_NUMBER = "serial_number"
    MODEL_NUMBER = "model_number"


TABLE_KINDS = frozenset({CodeKind.FAULT_CODE, CodeKind.PART_NUMBER})
"""Kinds whose codes live in code tables, so "not in the KB" is decidable."""


@dataclass(frozen=True, slots=True)
class CodeFormat:
    """A pattern the KB declares for one kind of code (used by OCR and search)."""

    kind: CodeKind
    pattern: str
    example: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class CodeRow:
    """One code of a table, as read from its source (before storage)."""

    code: str
    kind: CodeKind
    description: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    """A piece of a document before it is stored: text plus where it stands."""

    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    code_row: CodeRow | None = None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A source file read into chunks, with any code formats it declares."""

    title: str
    kind: DocumentKind
    chunks: tuple[ChunkDraft, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document."""

    id: str
    title: str
    kind: DocumentKind
    content_hash: str
    size_bytes: int
    chunk_count: int
    ingested_at: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A stored chunk: the unit that search returns and answers cite."""

    chunk_id: str
    document_id: str
    title: str
    section: str
    page: int | None
    text: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result, best first. ``match`` is ``code`` for exact code hits,
    ``text`` for keyword matches and ``meaning`` for chunks found by their
    vector alone."""

    chunk: Chunk
    score: float
    snippet: str
    match: str

    @property
    def chunk_id(self) -> str:
        return self.chunk.chunk_id


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """A code registered by a code table, found by exact lookup."""

    code: str
    kind: CodeKind
    description: str
    chunk_id: str
    document_id: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LearnedFormat:
    """A format learned from one code column.

    Attributes:
        format: The kind, the pattern and an example value.
        count: Values of the column that have this shape.
        document_id: The code table it was learned from.
        loose: Why it is not used (it would match ordinary words or numbers);
            empty when it is used.
    """

    format: CodeFormat
    count: int
    document_id: str
    loose: str = ""


@dataclass(frozen=True, slots=True)
class KbStats:
    """Size and version of the knowledge base."""

    name: str
    version: int
    documents: int
    chunks: int
    codes: int
    size_bytes: int
    documents_by_kind: Mapping[str, int]
    declared_formats: tuple[CodeFormat, ...] = ()
    """Formats the ``kb.toml`` declares; they override learned ones of a kind."""
    learned_formats: tuple[LearnedFormat, ...] = ()
    """Formats learned from the code columns, loose ones included."""
    formats_in_use: tuple[CodeFormat, ...] = ()
    """What reading codes uses: declared, then learned and not loose."""
    vector_model: str = ""
    """The model of the chunk vectors counted (the store's embedder's)."""
    chunks_with_vectors: int = 0
    """Chunks with a vector of ``vector_model``: search by meaning finds them."""
    updated_at: str = ""
    """When this version came (ISO 8601): the last snapshot applied, else the
    newest ingest; empty for an empty KB."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One document of a manifest: its id and the hash of its source bytes."""

    document_id: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a KB version consists of; deltas are computed against it."""

    version: int
    documents: tuple[ManifestEntry, ...]


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """A source file carried by a snapshot (``document_id`` doubles as its name)."""

    document_id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A KB version to apply: files to add or replace and documents to remove.

    ``base_version`` is ``None`` for a full snapshot (everything else is
    removed) or the version a delta was built against.
    """

    version: int
    files: tuple[SnapshotFile, ...]
    removed: tuple[str, ...] = ()
    base_version: int | None = None


class IngestStatus(StrEnum):
    """What happened to one input file."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The result of ingesting one file."""

    path: str
    document_id: str
    status: IngestStatus
    chunks: int = 0
    message: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The results of one ingest run, file by file."""

    outcomes: tuple[FileOutcome, ...]
    version: int

    def count(self, status: IngestStatus) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status is IngestStatus.FAILED)

    @property
    def chunks_written(self) -> int:
        return sum(
            o.chunks
            for o in self.outcomes
            if o.status in (IngestStatus.ADDED, IngestStatus.REPLACED)
        )
