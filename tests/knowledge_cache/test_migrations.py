from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from knowledge_cache.db import open_db, schema_sql
from knowledge_cache.migrations import migrations
from tests.conftest import REPO_ROOT


def test_migrations_build_the_schema_from_empty() -> None:
    db = open_db(sqlite3.connect(":memory:"))
    assert {"documents", "chunks", "chunks_fts", "codes", "kb_meta"} <= set(
        db.table_names()
    )
    assert migrations.pending(db) == []


def test_reapplying_migrations_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    first = schema_sql(open_db(path))
    db = Database(path)
    applied = [m.name for m in migrations.applied(db)]
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == applied
    assert schema_sql(open_db(path)) == first


def test_docs_schema_matches_the_migrations() -> None:
    documented = (REPO_ROOT / "docs" / "schema.sql").read_text(encoding="utf-8")
    generated = schema_sql(open_db(sqlite3.connect(":memory:")))
    assert documented.split("\n\n", 1)[1] == generated, (
        "docs/schema.sql is out of date: run python scripts/dump_schema.py"
    )


def test_upgrading_a_kb_without_learned_formats_learns_its_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.db"
    db = Database(path)
    migrations.apply(db, stop_before="m004_learned_formats")
    db.execute(
        "INSERT INTO documents(id, title, kind, content_hash, size_bytes, "
        "chunk_count, ingested_at) VALUES ('t.csv', 't', 'table', 'h', 1, 3, 'x')"
    )
    for n, code in enumerate(["F0001", "F0002", "F0003"], 1):
        db.execute(
            "INSERT INTO chunks(chunk_id, document_id, ordinal, title, section, "
            "body, codes) VALUES (?, 't.csv', ?, 't', ?, ?, '')",
            [f"t.csv#{n}", n, code, f"{code}: fault"],
        )
        db.execute(
            "INSERT INTO codes(key, code, kind, description, document_id, "
            "chunk_id, attributes) VALUES (?, ?, 'fault_code', 'fault', 't.csv', ?, "
            "'{}')",
            [code, code, f"t.csv#{n}"],
        )
    db.execute(
        "INSERT INTO chunks_fts(rowid, title, section, body, codes) "
        "SELECT id, title, section, body, codes FROM chunks"
    )
    db.conn.commit()
    upgraded = open_db(path)
    assert migrations.pending(upgraded) == []
    rows = upgraded.execute("SELECT pattern, count FROM learned_formats").fetchall()
    assert rows == [("F\\d{4}", 3)]
    codes = upgraded.execute("SELECT codes FROM chunks ORDER BY ordinal").fetchall()
    assert codes == [("F0001",), ("F0002",), ("F0003",)]


def test_migrations_from_empty_add_the_chunk_vectors_table() -> None:
    db = open_db(sqlite3.connect(":memory:"))
    assert "chunk_vectors" in db.table_names()


def test_upgrading_a_kb_without_vectors_keeps_its_chunks_without_vectors(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.db"
    db = Database(path)
    migrations.apply(db, stop_before="m005_chunk_vectors")
    assert "chunk_vectors" not in db.table_names()
    db.execute(
        "INSERT INTO documents(id, title, kind, content_hash, size_bytes, "
        "chunk_count, ingested_at) VALUES ('a.md', 'a', 'markdown', 'h', 1, 1, 'x')"
    )
    db.execute(
        "INSERT INTO chunks(chunk_id, document_id, ordinal, title, section, "
        "body, codes) VALUES ('a.md#1', 'a.md', 1, 'a', 's', 'text', '')"
    )
    db.conn.commit()
    upgraded = open_db(path)
    assert migrations.pending(upgraded) == []
    assert upgraded.execute("SELECT count(*) FROM chunk_vectors").fetchone() == (0,)
    migrations.apply(upgraded)  # again: nothing to do
    assert "m005_chunk_vectors" in [m.name for m in migrations.applied(upgraded)]


def test_upgrading_keeps_every_code_and_lets_codes_share_a_key(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    db = Database(path)
    migrations.apply(db, stop_before="m006_codes_by_spelling")
    db.execute(
        "INSERT INTO documents(id, title, kind, content_hash, size_bytes, "
        "chunk_count, ingested_at) VALUES ('t.csv', 't', 'table', 'h', 1, 1, 'x')"
    )
    db.execute(
        "INSERT INTO codes(key, code, kind, description, document_id, chunk_id, "
        "attributes) VALUES ('21', '2.1', 'fault_code', 'low', 't.csv', 't.csv#1', "
        "'{}')"
    )
    db.conn.commit()
    upgraded = open_db(path)
    assert migrations.pending(upgraded) == []
    upgraded.execute(
        "INSERT INTO codes(key, code, kind, description, document_id, chunk_id, "
        "attributes) VALUES ('21', '21', 'fault_code', 'welded', 't.csv', "
        "'t.csv#2', '{}')"
    )
    rows = upgraded.execute("SELECT code FROM codes ORDER BY rowid").fetchall()
    assert rows == [("2.1",), ("21",)]
