"""The tables of what the centre hands out: signed policy bundles, KB
versions and withdrawals, each device's job book, and kill switches."""

from __future__ import annotations

import sqlalchemy as sa

from sync.server.storage.columns import metadata, time_column

policy_bundles = sa.Table(
    "policy_bundles",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    time_column("issued_at"),
    time_column("expires_at"),
    time_column("published_at"),
    sa.Column("published_by", sa.String(120), nullable=False),
)

kb_versions = sa.Table(
    "kb_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("base_version", sa.Integer, nullable=True),
    sa.Column("snapshot", sa.Text, nullable=False),
    sa.Column("delta", sa.Text, nullable=True),
    time_column("published_at"),
    sa.Column("published_by", sa.String(120), nullable=False),
)

kb_withdrawals = sa.Table(
    "kb_withdrawals",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    sa.Column("document", sa.String(500), nullable=False, index=True),
    # The revision withdrawn (12 hex digits of its SHA-256); NULL: the whole
    # document, taken out of the KB version ``kb_version``.
    sa.Column("revision", sa.String(64), nullable=True),
    sa.Column("kb_version", sa.Integer, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    time_column("withdrawn_at"),
    sa.Column("withdrawn_by", sa.String(120), nullable=False),
)

job_books = sa.Table(
    "job_books",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    time_column("assigned_at"),
    sa.Column("assigned_by", sa.String(120), nullable=False),
)

kill_switches = sa.Table(
    "kill_switches",
    metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("target", sa.String(120), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    time_column("updated_at"),
    sa.Column("updated_by", sa.String(120), nullable=False),
)
