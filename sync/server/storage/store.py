"""The data-access layer: one engine, transactions, migrations, dialect helpers.

SQLite by default (a file, WAL, writes take the lock up front with
``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing), PostgreSQL
by URL. Every write runs in one transaction (:meth:`Storage.write`); rows that
several service processes may touch at once are serialised with row locks
(``SELECT ... FOR UPDATE`` on the device) and unique constraints with
``INSERT ... ON CONFLICT``. The SQL of each concern lives in a module of its
own beside this one, as functions on a :class:`~sqlalchemy.engine.Connection`;
the migration steps :meth:`Storage.migrate` applies are in ``migrations.py``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

from policies.encoding import canonical_json
from sync.server.clock import utc_now
from sync.server.errors import Conflict, RequestInvalid, StorageUnavailable
from sync.server.storage.migrations import MIGRATIONS
from sync.server.storage.schema import schema_migrations

logger = logging.getLogger("sync.server.storage")

_MIGRATION_LOCK = 7_404_202_601
"""PostgreSQL advisory lock id held while migrating (one migrator at a time)."""


def dump_json(value: Any) -> str:
    """``value`` as canonical JSON text, the form every JSON column holds."""
    return canonical_json(value).decode("utf-8")


def column_text(value: object, length: int) -> str:
    """``value`` as text a text column of ``length`` holds on every backend
    (cut to length, NUL characters left out)."""
    return str(value).replace("\x00", "")[:length]


def load_json(text: str | None) -> Any:
    """A JSON column's value (``None`` stays ``None``)."""
    return None if text is None else json.loads(text)


def create_storage_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = parsed.database
    if not database or database == ":memory:":
        raise ValueError("use a SQLite file, not an in-memory database")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": 60, "check_same_thread": False}
    )
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin)
    _sqlite_wal(engine)
    return engine


def _sqlite_connected(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
    # transaction handling defers it and cannot take the write lock first).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("busy_timeout=60000", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_wal(engine: Engine) -> None:
    """Switch the file to WAL (persistent). Switching takes an exclusive lock
    that SQLite does not wait for, so a concurrent opener retries briefly."""
    for attempt in range(100):
        try:
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA journal_mode=WAL")
            finally:
                raw.close()
            return
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Storage:
    """The database of one service process (or command): opened, migrated.

    Build it with :meth:`open`. Use :meth:`write` for any change (one
    transaction, committed at the end of the block, rolled back on error) and
    :meth:`read` for consistent reads.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Storage:
        """Connect to ``url`` and bring its schema up to date.

        Raises:
            StorageUnavailable: the database cannot be reached.
        """
        storage = cls(create_storage_engine(url))
        if migrate:
            storage.migrate()
        return storage

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: everything in the block commits, or nothing.

        Raises:
            StorageUnavailable: the database cannot be reached or stays busy.
            Conflict: a concurrent change broke a unique rule; retry.
        """
        with _translated(), self._engine.connect() as connection:
            connection.execution_options(write=True)
            with connection.begin():
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on PostgreSQL and WAL)."""
        with _translated(), self._engine.connect() as connection, connection.begin():
            yield connection

    def migrate(self) -> int:
        """Apply the migrations this database lacks; safe to run concurrently.

        Returns:
            How many were applied.
        """
        with self.write() as connection:
            if self.dialect == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:id)"),
                    {"id": _MIGRATION_LOCK},
                )
            schema_migrations.create(connection, checkfirst=True)
            done = set(connection.scalars(sa.select(schema_migrations.c.version)))
            applied = 0
            for version, step in MIGRATIONS:
                if version in done:
                    continue
                step(connection)
                connection.execute(
                    schema_migrations.insert().values(
                        version=version, applied_at=utc_now()
                    )
                )
                applied += 1
            return applied

    def schema_version(self) -> int:
        """The highest migration applied."""
        with self.read() as connection:
            version = connection.scalar(
                sa.select(sa.func.max(schema_migrations.c.version))
            )
            return int(version or 0)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sa.exc.IntegrityError as exc:
        raise Conflict(
            "A concurrent change got there first; nothing was written. Try again."
        ) from exc
    except sa.exc.DataError as exc:
        # The API checks what it takes against the columns; should a value
        # still not fit, the request is refused and nothing is written.
        logger.warning("a value the database cannot store", exc_info=exc)
        raise RequestInvalid(
            "The request holds a value the database cannot store; nothing was written."
        ) from exc
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise StorageUnavailable(
            "The database cannot be reached or stays busy; nothing was written. "
            "Try again shortly."
        ) from exc


def insert_ignoring(
    connection: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
) -> int:
    """Insert ``rows``, skipping those whose ``keys`` exist (ON CONFLICT DO NOTHING).

    Returns:
        How many were inserted; exact for one row (1 or 0), for several only
        when the driver reports it (else 0).
    """
    if not rows:
        return 0
    statement = _dialect_insert(connection, table).on_conflict_do_nothing(
        index_elements=list(keys)
    )
    if len(rows) == 1:
        returning = statement.returning(*(table.c[name] for name in keys))
        return len(connection.execute(returning, dict(rows[0])).fetchall())
    result = connection.execute(statement, list(rows))
    return max(int(result.rowcount or 0), 0)


def upsert(
    connection: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows``, replacing the ``update`` columns of those that exist."""
    if not rows:
        return
    statement = _dialect_insert(connection, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in update},
    )
    connection.execute(statement, list(rows))


def _dialect_insert(connection: Connection, table: sa.Table) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
