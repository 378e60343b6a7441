"""Opening ``outbox.db``: pragmas, migrations, transactions, damaged files.

The outbox is the device's record of what it did, so it trades speed for
durability: WAL with ``synchronous=FULL`` (a committed action survives a power
cut), foreign keys on, and write transactions that take the write lock up front
(``BEGIN IMMEDIATE``) so that two processes never deadlock over an upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from sync.errors import OutboxCorrupt, OutboxError
from sync.outbox.migrations import migrations

PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)
SQLITE_HEADER = b"SQLite format 3\x00"
SHOWN_PROBLEMS = 3
_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def open_outbox_db(target: Path | sqlite3.Connection) -> Database:
    """Open (creating if needed) and migrate the outbox database.

    Args:
        target: a database file, created with its parent folder if missing,
            or an open connection (tests pass an in-memory one).

    Raises:
        OutboxCorrupt: the file is not a usable SQLite database. Nothing was
            written to it.
        OutboxError: it could not be opened (locked too long, no permission).
    """
    where = str(target) if isinstance(target, Path) else "on the given connection"
    if isinstance(target, Path):
        _check_header(target)
        target.parent.mkdir(parents=True, exist_ok=True)
    with translated(where):
        db = Database(target)
        try:
            db.execute(PRAGMAS[0])
            if isinstance(target, Path):
                _check_pages(db, where)
            for pragma in PRAGMAS[1:]:
                db.execute(pragma)
            with write_transaction(db):
                migrations.apply(db)
        except BaseException:
            if isinstance(target, Path):
                db.close()
            raise
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that holds the write lock from its start; nested: a savepoint.

    Commits when the block ends, rolls back if it raises.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Turn SQLite's exceptions into :class:`OutboxError` subclasses."""
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _CORRUPT_CODES:
            raise corrupt(where, exc) from exc
        if code == sqlite3.SQLITE_FULL:
            raise OutboxError(
                f"The disk holding the outbox ({where}) is full: nothing was "
                "written. Free some disk space and try again; what is queued "
                "is kept.",
                title="Disk full",
            ) from exc
        raise OutboxError(
            f"The outbox ({where}) could not be read or written: {exc}. "
            "Nothing was half-written; try again, and if it persists, check the "
            "disk and that no other copy of the app holds the file.",
            title="Outbox unavailable",
        ) from exc


def corrupt(where: str, cause: object) -> OutboxCorrupt:
    return OutboxCorrupt(
        f"The outbox {where} is damaged or not a database ({cause}). It was left "
        "as it is, because it may hold actions the centre has not received: move "
        "it aside (keep it for support) and start the app again for a new one.",
        title="Outbox unreadable",
    )


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that does not start as a SQLite database does."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutboxError(
            f"The outbox {path} cannot be read: {exc.strerror or exc}.",
            title="Outbox unavailable",
        ) from exc
    if header and header != SQLITE_HEADER:
        raise corrupt(str(path), "it does not start with a SQLite header")


def _check_pages(db: Database, where: str) -> None:
    """Refuse a file with a damaged page before anything is written to it.

    SQLite's ``quick_check`` reads every page (about 15 ms for an outbox of
    2,000 actions with their traces, 70 ms for 10,000: see the README), so
    a page of noise is found at open instead of being written over.
    """
    rows = db.execute(f"PRAGMA quick_check({SHOWN_PROBLEMS})").fetchall()
    found = [str(row[0]) for row in rows if row[0] != "ok"]
    if found:
        raise corrupt(where, "; ".join(found))


def schema_sql(db: Database) -> str:
    """The schema that the migrations produce, as SQL (``docs/outbox-schema.sql``)."""
    rows = db.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
    ).fetchall()
    return "".join(f"{row[0]};\n\n" for row in rows).rstrip() + "\n"
