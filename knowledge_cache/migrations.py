"""Schema of the knowledge base, as an ordered set of migrations."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("knowledge_cache")

FIELD_WEIGHTS = (4.0, 2.0, 1.0, 8.0)
"""BM25 weights of title, section, body and codes."""

RANK_FUNCTION = f"bm25({', '.join(str(w) for w in FIELD_WEIGHTS)})"
"""The same weights as the table's ``rank``, for ad-hoc queries."""


@migrations()
def m001_documents_chunks_codes(db: Database) -> None:
    # Chunks reach the FTS index in one INSERT ... SELECT per document (see
    # writer.py), several times faster than a per-row trigger; deletes and
    # updates go through triggers.
    db.executescript(
        f"""
        CREATE TABLE kb_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            chunk_count INTEGER NOT NULL,
            ingested_at TEXT NOT NULL
        );
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            chunk_id TEXT NOT NULL UNIQUE,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            title TEXT NOT NULL,
            section TEXT NOT NULL,
            page INTEGER,
            body TEXT NOT NULL,
            codes TEXT NOT NULL
        );
        CREATE INDEX chunks_document ON chunks(document_id);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            title, section, body, codes,
            content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, title, section, body, codes)
            VALUES ('delete', old.id, old.title, old.section, old.body, old.codes);
        END;
        CREATE TRIGGER chunks_au AFTER UPDATE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, title, section, body, codes)
            VALUES ('delete', old.id, old.title, old.section, old.body, old.codes);
            INSERT INTO chunks_fts(rowid, title, section, body, codes)
            VALUES (new.id, new.title, new.section, new.body, new.codes);
        END;
        INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('rank', '{RANK_FUNCTION}');
        CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row');
        CREATE TABLE codes (
            key TEXT NOT NULL,
            code TEXT NOT NULL,
            kind TEXT NOT NULL,
            description TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            chunk_id TEXT NOT NULL,
            attributes TEXT NOT NULL,
            PRIMARY KEY (key, document_id)
        );
        CREATE INDEX codes_document ON codes(document_id);
        CREATE TABLE code_formats (
            kind TEXT NOT NULL,
            pattern TEXT NOT NULL,
            example TEXT NOT NULL,
            description TEXT NOT NULL,
            PRIMARY KEY (kind, pattern)
        );
        """
    )


@migrations()
def m002_acronyms(db: Database) -> None:
    # Abbreviations each document defines ("net positive suction head (NPSH)"),
    # learned at ingest; existing documents are read once here.
    from knowledge_cache.acronyms import acronyms_in_text

    db.executescript(
        """
        CREATE TABLE acronyms (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            short TEXT NOT NULL,
            long TEXT NOT NULL,
            PRIMARY KEY (document_id, short, long)
        );
        """
    )
    rows = db.execute("SELECT document_id, body FROM chunks").fetchall()
    db.conn.executemany(
        "INSERT OR IGNORE INTO acronyms(document_id, short, long) VALUES (?, ?, ?)",
        [
            (document_id, short, long)
            for document_id, body in rows
            for short, long in acronyms_in_text(str(body))
        ],
    )


@migrations()
def m003_codes_by_chunk(db: Database) -> None:
    # Ranking asks which code-table rows are among its candidates, by chunk.
    db.execute("CREATE INDEX IF NOT EXISTS codes_chunk ON codes(chunk_id)")


@migrations()
def m004_learned_formats(db: Database) -> None:
    # Code formats learned from each code column's values, for KBs that
    # declare none; learned at once for the tables already ingested.
    from knowledge_cache.code_formats import formats_kept_current

    db.execute(
        """
        CREATE TABLE learned_formats (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            pattern TEXT NOT NULL,
            example TEXT NOT NULL,
            description TEXT NOT NULL,
            count INTEGER NOT NULL,
            loose TEXT NOT NULL,
            PRIMARY KEY (document_id, kind, pattern)
        )
        """
    )
    tables = [row[0] for row in db.execute("SELECT DISTINCT document_id FROM codes")]
    with formats_kept_current(db, tables):
        pass


@migrations()
def m005_chunk_vectors(db: Database) -> None:
    # Each chunk's vector of meaning (float32, unit length) and the model that
    # made it, computed at ingest when the app gives an embedder; a chunk's
    # vector goes with it. Existing chunks get theirs on the next ingest.
    db.execute(
        """
        CREATE TABLE chunk_vectors (
            chunk INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            vector BLOB NOT NULL
        )
        """
    )


@migrations()
def m006_codes_by_spelling(db: Database) -> None:
    # Codes that differ only by a separator (2.1 and 21 in one table) share a
    # key: each is kept under its own spelling, and a lookup picks the one
    # typed. The primary key can only change with a new table.
    db.execute(
        """
        CREATE TABLE codes_by_spelling (
            key TEXT NOT NULL,
            code TEXT NOT NULL,
            kind TEXT NOT NULL,
            description TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            chunk_id TEXT NOT NULL,
            attributes TEXT NOT NULL,
            PRIMARY KEY (key, code, document_id)
        )
        """
    )
    db.execute("INSERT INTO codes_by_spelling SELECT * FROM codes ORDER BY rowid")
    db.execute("DROP TABLE codes")
    db.execute("ALTER TABLE codes_by_spelling RENAME TO codes")
    db.execute("CREATE INDEX codes_document ON codes(document_id)")
    db.execute("CREATE INDEX codes_chunk ON codes(chunk_id)")
