"""Writes parsed documents and declarations into the database.

Callers wrap these in ``db.atomic()``: a document's old chunks and codes are
replaced by its new ones in the same transaction, so a failure leaves the
previous version of the document in place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlite_utils import Database

from knowledge_cache.acronyms import acronyms_in_text
from knowledge_cache.code_formats import code_formats
from knowledge_cache.code_keys import code_key, code_keys_in_text, compile_formats
from knowledge_cache.declarations import DECLARATIONS_FILE, Declarations
from knowledge_cache.glossary import GLOSSARY_FILE
from knowledge_cache.models import ParsedDocument

SECTION_SEPARATOR = " > "
VERSION_KEY = "version"
NAME_KEY = "name"
VERSION_AT_KEY = "version_at"
"""When the last snapshot was applied (ISO 8601)."""
DECLARATIONS_HASH_KEY = "declarations_hash"
GLOSSARY_KEY = "glossary"
GLOSSARY_HASH_KEY = "glossary_hash"


def meta(db: Database, key: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM kb_meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else default


def set_meta(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO kb_meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def kb_version(db: Database) -> int:
    return int(meta(db, VERSION_KEY, "0"))


def stored_hash(db: Database, document_id: str) -> str | None:
    if document_id == DECLARATIONS_FILE:
        return meta(db, DECLARATIONS_HASH_KEY) or None
    if document_id == GLOSSARY_FILE:
        return meta(db, GLOSSARY_HASH_KEY) or None
    row = db.execute(
        "SELECT content_hash FROM documents WHERE id = ?", [document_id]
    ).fetchone()
    return str(row[0]) if row else None


def write_declarations(db: Database, declarations: Declarations, digest: str) -> None:
    """Replace the KB's name and code formats with those of a ``kb.toml``."""
    db.execute("DELETE FROM code_formats")
    db.conn.executemany(
        "INSERT OR REPLACE INTO code_formats(kind, pattern, example, description) "
        "VALUES (?, ?, ?, ?)",
        [
            (f.kind.value, f.pattern, f.example, f.description)
            for f in declarations.code_formats
        ],
    )
    if declarations.name:
        set_meta(db, NAME_KEY, declarations.name)
    set_meta(db, DECLARATIONS_HASH_KEY, digest)


def write_glossary(db: Database, data: bytes, digest: str) -> None:
    """Store the KB's ``glossary.toml`` (already parsed once, so known good)."""
    set_meta(db, GLOSSARY_KEY, data.decode("utf-8"))
    set_meta(db, GLOSSARY_HASH_KEY, digest)


def delete_document(db: Database, document_id: str) -> None:
    if document_id == DECLARATIONS_FILE:
        db.execute("DELETE FROM code_formats")
        db.execute("DELETE FROM kb_meta WHERE key = ?", [DECLARATIONS_HASH_KEY])
        return
    if document_id == GLOSSARY_FILE:
        db.execute(
            "DELETE FROM kb_meta WHERE key IN (?, ?)", [GLOSSARY_KEY, GLOSSARY_HASH_KEY]
        )
        return
    db.execute("DELETE FROM acronyms WHERE document_id = ?", [document_id])
    db.execute("DELETE FROM codes WHERE document_id = ?", [document_id])
    db.execute("DELETE FROM chunks WHERE document_id = ?", [document_id])
    db.execute("DELETE FROM documents WHERE id = ?", [document_id])


def write_document(
    db: Database,
    document_id: str,
    parsed: ParsedDocument,
    *,
    content_hash: str,
    size_bytes: int,
    ingested_at: str,
    formats: Sequence[re.Pattern[str]] | None = None,
) -> None:
    """Store ``parsed`` as ``document_id``, replacing any earlier version."""
    patterns = formats if formats is not None else compile_formats(code_formats(db))
    delete_document(db, document_id)
    db.execute(
        "INSERT INTO documents(id, title, kind, content_hash, size_bytes, "
        "chunk_count, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            document_id,
            parsed.title,
            parsed.kind.value,
            content_hash,
            size_bytes,
            len(parsed.chunks),
            ingested_at,
        ],
    )
    chunk_rows = []
    code_rows = []
    for ordinal, draft in enumerate(parsed.chunks, start=1):
        chunk_id = f"{document_id}#{ordinal}"
        section = SECTION_SEPARATOR.join(draft.section)
        keys = code_keys_in_text(f"{section}\n{draft.text}", patterns)
        if draft.code_row is not None:
            row = draft.code_row
            keys.add(code_key(row.code))
            code_rows.append(
                (
                    code_key(row.code),
                    row.code,
                    row.kind.value,
                    row.description,
                    document_id,
                    chunk_id,
                    json.dumps(dict(row.attributes), ensure_ascii=False),
                )
            )
        chunk_rows.append(
            (
                chunk_id,
                document_id,
                ordinal,
                parsed.title,
                section,
                draft.page,
                draft.text,
                " ".join(sorted(keys)),
            )
        )
    db.conn.executemany(
        "INSERT INTO chunks(chunk_id, document_id, ordinal, title, section, page, "
        "body, codes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        chunk_rows,
    )
    db.execute(
        "INSERT INTO chunks_fts(rowid, title, section, body, codes) "
        "SELECT id, title, section, body, codes FROM chunks WHERE document_id = ?",
        [document_id],
    )
    db.conn.executemany(
        "INSERT INTO codes(key, code, kind, description, document_id, chunk_id, "
        "attributes) VALUES (?, ?, ?, ?, ?, ?, ?)",
        code_rows,
    )
    acronyms = {
        pair for draft in parsed.chunks for pair in acronyms_in_text(draft.text)
    }
    db.conn.executemany(
        "INSERT INTO acronyms(document_id, short, long) VALUES (?, ?, ?)",
        [(document_id, short, long) for short, long in sorted(acronyms)],
    )
