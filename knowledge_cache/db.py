"""Opening the knowledge base: pragmas, migrations, and damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from knowledge_cache.integrity import (
    FreeSpace,
    check_file,
    classify,
    corrupt,
    free_space,
)
from knowledge_cache.migrations import migrations

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA cache_size = -32000",
    "PRAGMA mmap_size = 268435456",
)


def open_db(
    target: Path | sqlite3.Connection, *, space: FreeSpace = free_space
) -> Database:
    """Open (creating if needed) and migrate the knowledge base.

    A file is first looked at (:func:`~knowledge_cache.integrity.check_file`):
    a folder in its place, a file that is not SQLite or one cut short is
    refused before SQLite touches it.

    Args:
        target: a database file, created with its parent folder if missing,
            or an open connection (tests pass an in-memory one).
        space: Gives the free space on a disk, to tell a full disk from other
            I/O errors (tests pass their own).

    Raises:
        CacheCorrupt: the file is damaged or not a database. It is left
            untouched on disk so nothing is lost.
        CacheUnavailable: it cannot be used now but is not damaged: the disk
            is full, it is read-only or busy, or an I/O error.
    """
    path = target if isinstance(target, Path) else None
    if path is not None:
        problem = check_file(path)
        if problem is not None:
            raise corrupt(path, problem)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise classify(path, exc, space=space) from exc
    try:
        db = Database(target)
    except sqlite3.DatabaseError as exc:
        raise classify(path, exc, space=space) from exc
    try:
        for pragma in _PRAGMAS:
            db.execute(pragma)
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        if path is not None:
            db.close()
        raise classify(path, exc, space=space) from exc
    return db


def schema_sql(db: Database) -> str:
    """The schema that the migrations produce, as SQL (``docs/schema.sql``)."""
    rows = db.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
    ).fetchall()
    return "".join(f"{row[0]};\n\n" for row in rows).rstrip() + "\n"
