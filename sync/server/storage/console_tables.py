"""The tables of the supervisors' console: the people who sign in, their
sessions, and failed sign-ins."""

from __future__ import annotations

import sqlalchemy as sa

from sync.server.storage.columns import metadata, time_column

people = sa.Table(
    "people",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    time_column("created_at"),
    time_column("disabled_at", nullable=True),
)
"""People who sign in to the console (supervisors, read-only auditors), with
an argon2 hash of their password. Devices are never people."""

console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    time_column("created_at"),
    time_column("last_seen_at"),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Index("console_sessions_person", "username"),
)
"""Signed-in console sessions: the SHA-256 of the cookie's random id (the id
itself is never stored), the person, and the token every form carries."""

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    sa.Column("subject", sa.String(200), nullable=False),
    time_column("at"),
    sa.Index("sign_in_failures_subject", "subject", "at"),
)
"""Failed console sign-ins by username (``user:NAME``) and by client address
(``address:IP``), counted over a sliding window to slow guessing."""
