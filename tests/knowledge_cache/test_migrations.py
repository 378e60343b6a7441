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
