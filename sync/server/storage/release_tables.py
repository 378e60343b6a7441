"""The tables of releases: every release, the evaluation reports devices
uploaded, how each release passed the gate, and the evaluation suites."""

from __future__ import annotations

import sqlalchemy as sa

from sync.server.storage.columns import metadata, time_column

releases = sa.Table(
    "releases",
    metadata,
    sa.Column("release_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=False),
    sa.Column("kb_version", sa.Integer, nullable=False),
    sa.Column("kb_sha256", sa.String(64), nullable=False),
    sa.Column("app_version", sa.String(64), nullable=False),
    sa.Column("rollback_of", sa.Integer, nullable=True),
    sa.Column("restores", sa.Integer, nullable=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    time_column("created_at"),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Index("releases_parts", "policy_version", "kb_version", "model_sha256"),
)
"""Every release, never changed: a rollback is a new release that
``restores`` the content of an older one and was made from (``rollback_of``)
the newest at the time."""

evaluation_reports = sa.Table(
    "evaluation_reports",
    metadata,
    sa.Column(
        "report_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
    ),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("technician_id", sa.String(120), nullable=False),
    time_column("uploaded_at"),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=False),
    sa.Column("kb_sha256", sa.String(64), nullable=False),
    sa.Column("app_version", sa.String(64), nullable=False),
    sa.Column("suite_name", sa.String(200), nullable=False),
    sa.Column("suite_version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("evaluation_reports_parts", "kb_sha256", "policy_sha256"),
)
"""Evaluation reports uploaded by devices, exactly as sent (``document``,
its ``sha256``), with the candidate's hashes they are bound to: the model
file's SHA-256 (``none`` when run without one) and the policy's and KB's
content hashes."""

release_gates = sa.Table(
    "release_gates",
    metadata,
    sa.Column("release_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("report_id", sa.Integer, nullable=True),
    sa.Column("overridden", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("failures", sa.Text, nullable=False, server_default="[]"),
    sa.Column("gate", sa.Text, nullable=False, server_default="{}"),
    time_column("at"),
    sa.Column("actor", sa.String(120), nullable=False),
)
"""How each release passed the gate: the report that let it through, or a
supervisor's override (who, when, why, which figures failed) with the gate's
thresholds at the time. A rollback has none: it is not gated."""

evaluation_suites = sa.Table(
    "evaluation_suites",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("suite_version", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("archive_sha256", sa.String(64), nullable=False),
    sa.Column("archive", sa.LargeBinary, nullable=False),
    sa.Column("cases", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    time_column("published_at"),
    sa.Column("published_by", sa.String(160), nullable=False),
)
"""Evaluation suites as supervisors published them, never changed: the
archive of ``suite.json`` and the files it names, its SHA-256, the content's
(``sha256``, as reports name a suite) and its cases per kind. Versions only
go up."""
