"""KB versions: the manifest of what a version holds, and atomic snapshot apply."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from knowledge_cache.code_formats import code_formats, formats_kept_current
from knowledge_cache.code_keys import compile_formats
from knowledge_cache.declarations import (
    DECLARATIONS_FILE,
    Declarations,
    parse_declarations,
)
from knowledge_cache.errors import IngestError, SnapshotError
from knowledge_cache.glossary import GLOSSARY_FILE, parse_glossary
from knowledge_cache.models import (
    Manifest,
    ManifestEntry,
    ParsedDocument,
    Snapshot,
)
from knowledge_cache.readers import read_document
from knowledge_cache.writer import (
    DECLARATIONS_HASH_KEY,
    GLOSSARY_HASH_KEY,
    VERSION_AT_KEY,
    VERSION_KEY,
    delete_document,
    kb_version,
    meta,
    set_meta,
    write_declarations,
    write_document,
    write_glossary,
)


@dataclass(frozen=True, slots=True)
class _ParsedFile:
    document_id: str
    digest: str
    size: int
    document: ParsedDocument | None = None
    declarations: Declarations | None = None
    glossary: bytes | None = None


def manifest(db: Database) -> Manifest:
    """The KB's version and every document with its content hash, sorted by id."""
    entries = [
        ManifestEntry(str(doc_id), str(digest))
        for doc_id, digest in db.execute(
            "SELECT id, content_hash FROM documents ORDER BY id"
        )
    ]
    declarations_hash = meta(db, DECLARATIONS_HASH_KEY)
    if declarations_hash:
        entries.append(ManifestEntry(DECLARATIONS_FILE, declarations_hash))
    glossary_hash = meta(db, GLOSSARY_HASH_KEY)
    if glossary_hash:
        entries.append(ManifestEntry(GLOSSARY_FILE, glossary_hash))
    entries.sort(key=lambda entry: entry.document_id)
    return Manifest(version=kb_version(db), documents=tuple(entries))


def apply_snapshot(db: Database, snapshot: Snapshot, *, ingested_at: str) -> int:
    """Apply a full snapshot or a delta in one transaction; return the new version.

    Every file is parsed before anything is written, so a bad file refuses
    the whole snapshot; any failure while writing rolls back. Either way the
    previous KB stays exactly as it was.

    Raises:
        SnapshotError: not newer than the KB, built on another version, or a
            file in it cannot be read.
    """
    current = kb_version(db)
    _check_versions(snapshot, current)
    parsed = [_parse(file.document_id, file.data) for file in snapshot.files]
    incoming = {p.document_id for p in parsed}
    with db.atomic():
        removed = _removals(db, snapshot, incoming)
        with formats_kept_current(db, [*removed, *incoming]):
            for document_id in removed:
                delete_document(db, document_id)
            _write_parsed(db, parsed, ingested_at)
        set_meta(db, VERSION_KEY, str(snapshot.version))
        set_meta(db, VERSION_AT_KEY, ingested_at)
    return snapshot.version


def _write_parsed(
    db: Database, parsed: Sequence[_ParsedFile], ingested_at: str
) -> None:
    """Declarations and glossary first, so documents are indexed with the
    formats they declare."""
    for item in parsed:
        if item.declarations is not None:
            write_declarations(db, item.declarations, item.digest)
        if item.glossary is not None:
            write_glossary(db, item.glossary, item.digest)
    formats = compile_formats(code_formats(db))
    for item in parsed:
        if item.document is not None:
            write_document(
                db,
                item.document_id,
                item.document,
                content_hash=item.digest,
                size_bytes=item.size,
                ingested_at=ingested_at,
                formats=formats,
            )


def _check_versions(snapshot: Snapshot, current: int) -> None:
    if snapshot.version <= current:
        raise SnapshotError(
            f"Snapshot version {snapshot.version} is not newer than this KB "
            f"(version {current}); nothing was changed."
        )
    if snapshot.base_version is not None and snapshot.base_version != current:
        raise SnapshotError(
            f"This delta was built on KB version {snapshot.base_version} but this "
            f"KB is at version {current}; ask for a full snapshot. Nothing was changed."
        )


def _parse(document_id: str, data: bytes) -> _ParsedFile:
    digest = hashlib.sha256(data).hexdigest()
    try:
        if document_id.rsplit("/", 1)[-1] == DECLARATIONS_FILE:
            declarations = parse_declarations(data)
            return _ParsedFile(
                document_id, digest, len(data), declarations=declarations
            )
        if document_id.rsplit("/", 1)[-1] == GLOSSARY_FILE:
            parse_glossary(data)
            return _ParsedFile(document_id, digest, len(data), glossary=data)
        document = read_document(document_id, data)
    except IngestError as exc:
        raise SnapshotError(
            f"Snapshot file {document_id} {exc.message} The KB was not changed."
        ) from exc
    return _ParsedFile(document_id, digest, len(data), document=document)


def _removals(db: Database, snapshot: Snapshot, incoming: set[str]) -> list[str]:
    if snapshot.base_version is not None:
        return list(snapshot.removed)
    existing = [str(row[0]) for row in db.execute("SELECT id FROM documents")]
    if meta(db, DECLARATIONS_HASH_KEY):
        existing.append(DECLARATIONS_FILE)
    if meta(db, GLOSSARY_HASH_KEY):
        existing.append(GLOSSARY_FILE)
    return [doc for doc in existing if doc not in incoming]
