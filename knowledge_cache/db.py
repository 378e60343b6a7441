"""Opening the knowledge base: pragmas, migrations, and damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from knowledge_cache.errors import CacheCorrupt
from knowledge_cache.migrations import migrations

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA cache_size = -32000",
    "PRAGMA mmap_size = 268435456",
)


def open_db(target: Path | sqlite3.Connection) -> Database:
    """Open (creating if needed) and migrate the knowledge base.

    Args:
        target: a database file, created with its parent folder if missing,
            or an open connection (tests pass an in-memory one).

    Raises:
        CacheCorrupt: the file is not a usable SQLite database. It is left
            untouched on disk so nothing is lost.
    """
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = Database(target)
        for pragma in _PRAGMAS:
            db.execute(pragma)
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise CacheCorrupt(
            f"The knowledge base {target} is damaged or not a database ({exc}). "
            "It was left as it is: move it aside and ingest the documents again, "
            "or sync to get a fresh snapshot.",
            title="Knowledge base unreadable",
            path=target if isinstance(target, Path) else None,
        ) from exc
    return db


def schema_sql(db: Database) -> str:
    """The schema that the migrations produce, as SQL (``docs/schema.sql``)."""
    rows = db.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
    ).fetchall()
    return "".join(f"{row[0]};\n\n" for row in rows).rstrip() + "\n"
