"""The service's migrations: each change of the schema as a numbered step.

A new database gets every table at once (step 1 creates them all from the
schema); a database made by an older service gains what it lacks, one step
after another. :meth:`Storage.migrate <sync.server.storage.store.Storage.migrate>`
applies them in one transaction, recording each in ``schema_migrations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import (
    actions,
    console_sessions,
    device_decisions,
    device_handovers,
    devices,
    evaluation_reports,
    evaluation_suites,
    kb_withdrawals,
    metadata,
    people,
    release_gates,
    releases,
    sign_in_failures,
    traces,
)
from sync.server.storage.turn_text import fill_turn_texts

SCHEMA_VERSION = 11


def _m001_initial(connection: Connection) -> None:
    """Every table of schema version 1."""
    metadata.create_all(connection, checkfirst=True)


def _m002_centre_keys(connection: Connection) -> None:
    """Enrolment tokens keep the key that binds an enrolment to them; devices
    keep the centre key set they follow, the updates they refused, how many
    actions wait on them and how far their journal reached; every decision
    from the journals gets its table."""
    added = {
        "enrol_tokens": {"binding_key": "VARCHAR(64)"},
        "devices": {
            "key_set_version": "INTEGER NOT NULL DEFAULT 0",
            "refused_updates": "TEXT NOT NULL DEFAULT '[]'",
            "queue_depth": "INTEGER NOT NULL DEFAULT 0",
            "journal_place": "BIGINT NOT NULL DEFAULT 0",
            "model": "VARCHAR(200) NOT NULL DEFAULT ''",
        },
    }
    _add_columns(connection, added)
    device_decisions.create(connection, checkfirst=True)


def _m003_releases(connection: Connection) -> None:
    """Releases get their table; devices keep the SHA-256 of their model file
    and the release they run, with since when."""
    timestamp = devices.c.release_since.type.compile(dialect=connection.dialect)
    _add_columns(
        connection,
        {
            "devices": {
                "model_sha256": "VARCHAR(64) NOT NULL DEFAULT ''",
                "release_id": "INTEGER NOT NULL DEFAULT 0",
                "release_since": timestamp,
            }
        },
    )
    releases.create(connection, checkfirst=True)


def _m004_release_gate(connection: Connection) -> None:
    """Evaluation reports uploaded by devices, and how each release passed
    the gate (a report, or an override)."""
    evaluation_reports.create(connection, checkfirst=True)
    release_gates.create(connection, checkfirst=True)


def _m005_console_people(connection: Connection) -> None:
    """People who sign in to the console, their sessions, and failed
    sign-ins (for the rate limit)."""
    for table in (people, console_sessions, sign_in_failures):
        table.create(connection, checkfirst=True)


def _m006_handovers(connection: Connection) -> None:
    """Hand-overs of revoked devices get their table."""
    device_handovers.create(connection, checkfirst=True)


def _m007_journal_pages(connection: Connection) -> None:
    """Turns and decisions get the indexes their pages are read by (the
    latest received first; a turn's decisions)."""
    for index in (*traces.indexes, *device_decisions.indexes):
        index.create(connection, checkfirst=True)


def _m008_evaluation_suites(connection: Connection) -> None:
    """Evaluation suites published at the centre, versioned."""
    evaluation_suites.create(connection, checkfirst=True)


def _m009_review_queue(connection: Connection) -> None:
    """The review queue gets an index in its order over quarantined actions
    only (filters by device or technician keep their own indexes)."""
    for index in actions.indexes:
        if index.name == "actions_queue":
            index.create(connection, checkfirst=True)


def _m010_turn_text(connection: Connection) -> None:
    """Turns keep the text a search reads beside their spans; the turns held
    are given theirs a batch at a time. On SQLite an index in the log's order
    holds the text too, so a search reads the index, not every turn's row
    (PostgreSQL reads the text column alone, and its index entries are
    bounded in size)."""
    _add_columns(connection, {"traces": {"search_text": "TEXT"}})
    fill_turn_texts(connection)
    if connection.dialect.name == "sqlite":
        connection.execute(
            sa.text(
                "CREATE INDEX IF NOT EXISTS traces_search ON traces "
                "(saved_at, device_id, trace_id, search_text)"
            )
        )


def _m011_kb_withdrawals(connection: Connection) -> None:
    """Documents and revisions the centre withdrew, each with its reason."""
    kb_withdrawals.create(connection, checkfirst=True)


def _add_columns(
    connection: Connection, added: Mapping[str, Mapping[str, str]]
) -> None:
    """Add each column a table lacks (a schema made whole by step 1 has them)."""
    inspector = sa.inspect(connection)
    for table, columns in added.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for name, kind in columns.items():
            if name not in present:
                connection.execute(
                    sa.text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                )


MIGRATIONS: Sequence[tuple[int, Callable[[Connection], None]]] = (
    (1, _m001_initial),
    (2, _m002_centre_keys),
    (3, _m003_releases),
    (4, _m004_release_gate),
    (5, _m005_console_people),
    (6, _m006_handovers),
    (7, _m007_journal_pages),
    (8, _m008_evaluation_suites),
    (9, _m009_review_queue),
    (10, _m010_turn_text),
    (11, _m011_kb_withdrawals),
)
"""Migrations by version, applied in order. A later change of the schema gets
its own step here (``ALTER ...``); a step never changes once released."""
