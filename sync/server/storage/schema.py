"""The service's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

JSON documents are stored as text (canonical JSON), times as
``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and UTC text on SQLite, always
returned timezone-aware. Uniqueness that concurrency depends on is a
constraint: one action per (device, key), one nonce per device, one result
position per device, one delivery per action.

The tables are defined by what they hold, in modules beside this one
(``device_tables.py``, ``field_tables.py``, ``publication_tables.py``,
``release_tables.py``, ``console_tables.py``), on the one :data:`metadata` and
the column types of ``columns.py``; every table is imported from here. This
module keeps the service's own records: the migrations applied and the audit
log.
"""

from __future__ import annotations

import sqlalchemy as sa

from sync.server.storage.columns import UtcDateTime, metadata, time_column
from sync.server.storage.console_tables import (
    console_sessions,
    people,
    sign_in_failures,
)
from sync.server.storage.device_tables import (
    device_handovers,
    devices,
    enrol_tokens,
    nonces,
)
from sync.server.storage.field_tables import (
    actions,
    chain_links,
    decisions,
    deliveries,
    device_decisions,
    traces,
)
from sync.server.storage.publication_tables import (
    job_books,
    kb_versions,
    kb_withdrawals,
    kill_switches,
    policy_bundles,
)
from sync.server.storage.release_tables import (
    evaluation_reports,
    evaluation_suites,
    release_gates,
    releases,
)

__all__ = [
    "actions",
    "audit_log",
    "chain_links",
    "console_sessions",
    "decisions",
    "deliveries",
    "device_decisions",
    "device_handovers",
    "devices",
    "enrol_tokens",
    "evaluation_reports",
    "evaluation_suites",
    "job_books",
    "kb_versions",
    "kb_withdrawals",
    "kill_switches",
    "metadata",
    "nonces",
    "people",
    "policy_bundles",
    "release_gates",
    "releases",
    "schema_migrations",
    "sign_in_failures",
    "traces",
    "UtcDateTime",
]

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    time_column("applied_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    time_column("at"),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
