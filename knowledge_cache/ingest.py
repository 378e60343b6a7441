"""Ingest files and folders: read, hash, skip unchanged, replace atomically."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from knowledge_cache.code_formats import formats_kept_current
from knowledge_cache.declarations import DECLARATIONS_FILE, parse_declarations
from knowledge_cache.errors import IngestError
from knowledge_cache.glossary import GLOSSARY_FILE, parse_glossary
from knowledge_cache.models import FileOutcome, IngestReport, IngestStatus
from knowledge_cache.readers import SUPPORTED_SUFFIXES, read_document
from knowledge_cache.writer import (
    VERSION_KEY,
    kb_version,
    set_meta,
    stored_hash,
    write_declarations,
    write_document,
    write_glossary,
)

KB_FILES = frozenset({DECLARATIONS_FILE, GLOSSARY_FILE})
"""Files that describe the KB itself rather than hold documents."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this are refused: split them first."""

Clock = Callable[[], datetime]
ProgressCallback = Callable[[FileOutcome, int], None]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to ingest and the document id it is stored under."""

    path: Path
    document_id: str

    @property
    def is_declarations(self) -> bool:
        return self.document_id.rsplit("/", 1)[-1] == DECLARATIONS_FILE

    @property
    def is_glossary(self) -> bool:
        return self.document_id.rsplit("/", 1)[-1] == GLOSSARY_FILE


def utc_now() -> datetime:
    return datetime.now(UTC)


def collect_sources(paths: Iterable[Path]) -> Iterator[SourceFile]:
    """Expand folders into their supported files (and ``kb.toml`` and
    ``glossary.toml``), in order.

    A file inside a folder gets its path relative to that folder as document
    id; a file given directly gets its name. Hidden files are skipped.
    Declarations come first so their code formats apply to the rest.
    """
    for path in paths:
        if not path.is_dir():
            yield SourceFile(path, path.name)
            continue
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and (p.suffix.lower() in SUPPORTED_SUFFIXES or p.name in KB_FILES)
        )
        files.sort(key=lambda p: p.name != DECLARATIONS_FILE)
        for file in files:
            yield SourceFile(file, file.relative_to(path).as_posix())


def source_size(source: SourceFile) -> int:
    """Size of a source file in bytes, or 0 when it cannot be read."""
    try:
        return source.path.stat().st_size
    except OSError:
        return 0


def ingest_sources(
    db: Database,
    sources: Iterable[SourceFile],
    *,
    clock: Clock = utc_now,
    progress: ProgressCallback | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> IngestReport:
    """Ingest each source; one file's failure never affects the others.

    The KB version goes up by one for a run that changes anything.
    """
    base_version = kb_version(db)
    outcomes = []
    for source in sources:
        outcome = _ingest_one(db, source, clock, max_file_bytes, base_version + 1)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome, source_size(source))
    return IngestReport(outcomes=tuple(outcomes), version=kb_version(db))


def _ingest_one(
    db: Database, source: SourceFile, clock: Clock, max_bytes: int, new_version: int
) -> FileOutcome:
    try:
        data = _read_bytes(source.path, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        if stored_hash(db, source.document_id) == digest:
            return FileOutcome(
                str(source.path), source.document_id, IngestStatus.UNCHANGED
            )
        return _store(db, source, data, digest, clock, new_version)
    except IngestError as exc:
        return FileOutcome(
            str(source.path),
            source.document_id,
            IngestStatus.FAILED,
            message=f"{source.path}: {exc.message}",
        )


def _store(
    db: Database,
    source: SourceFile,
    data: bytes,
    digest: str,
    clock: Clock,
    new_version: int,
) -> FileOutcome:
    existed = stored_hash(db, source.document_id) is not None
    status = IngestStatus.REPLACED if existed else IngestStatus.ADDED
    if source.is_declarations:
        declarations = parse_declarations(data)
        with db.atomic(), formats_kept_current(db, ()):
            write_declarations(db, declarations, digest)
            set_meta(db, VERSION_KEY, str(new_version))
        return FileOutcome(str(source.path), source.document_id, status)
    if source.is_glossary:
        parse_glossary(data)
        with db.atomic():
            write_glossary(db, data, digest)
            set_meta(db, VERSION_KEY, str(new_version))
        return FileOutcome(str(source.path), source.document_id, status)
    parsed = read_document(source.document_id, data)
    with db.atomic(), formats_kept_current(db, [source.document_id]):
        write_document(
            db,
            source.document_id,
            parsed,
            content_hash=digest,
            size_bytes=len(data),
            ingested_at=clock().isoformat(timespec="seconds"),
        )
        set_meta(db, VERSION_KEY, str(new_version))
    return FileOutcome(
        str(source.path),
        source.document_id,
        status,
        chunks=len(parsed.chunks),
        warnings=parsed.warnings,
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IngestError("is a folder inside a folder list; pass it directly.")
        if size > max_bytes:
            raise IngestError(
                f"is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB "
                "limit; split it into smaller files."
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise IngestError("does not exist; check the path.") from None
    except PermissionError:
        raise IngestError("cannot be read (permission denied).") from None
    except OSError as exc:
        raise IngestError(f"cannot be read ({exc.strerror}).") from exc
