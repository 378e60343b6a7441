"""The service's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

JSON documents are stored as text (canonical JSON), times as
``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and UTC text on SQLite, always
returned timezone-aware. Uniqueness that concurrency depends on is a
constraint: one action per (device, key), one nonce per device, one result
position per device, one delivery per action.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from sync.chain import GENESIS_HASH


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC time on every backend (naive times are refused)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times stored by the service must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    _time("applied_at"),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("technician_id", sa.String(120), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    _time("enrolled_at"),
    _time("revoked_at", nullable=True),
    sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
    _time("last_seen_at", nullable=True),
    sa.Column("chain_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chain_hash", sa.String(64), nullable=False, default=GENESIS_HASH),
    sa.Column("last_result_id", sa.Integer, nullable=False, server_default="0"),
    sa.Column("policy_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("kb_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("jobs_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("client_version", sa.String(64), nullable=False, server_default=""),
    sa.Column("key_set_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("refused_updates", sa.Text, nullable=False, server_default="[]"),
    sa.Column("queue_depth", sa.Integer, nullable=False, server_default="0"),
    sa.Column("journal_place", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("model", sa.String(200), nullable=False, server_default=""),
    sa.Column("model_sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("release_id", sa.Integer, nullable=False, server_default="0"),
    _time("release_since", nullable=True),
)
"""``release_id``: the release whose policy, KB and model the device reported
running at its last pull (0: none); ``release_since``: since which pull."""

enrol_tokens = sa.Table(
    "enrol_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("binding_key", sa.String(64), nullable=True),
    sa.Column("technician_id", sa.String(120), nullable=True),
    sa.Column("role", sa.String(64), nullable=False),
    _time("created_at"),
    _time("expires_at"),
    _time("used_at", nullable=True),
    sa.Column("used_by", sa.String(64), nullable=True),
    sa.Column("created_by", sa.String(120), nullable=False),
)

device_handovers = sa.Table(
    "device_handovers",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), nullable=False),
    _time("revoked_at"),
    sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
    _time("allowed_at"),
    sa.Column("allowed_by", sa.String(120), nullable=False),
    _time("enrolled_at", nullable=True),
    sa.Column("technician_id", sa.String(120), nullable=True),
    sa.Index("device_handovers_device", "device_id", "allowed_at"),
)
"""Hand-overs of revoked devices: the enrolment token a supervisor issued
(``allowed_by``, ``allowed_at``) for the device revoked at ``revoked_at``, and
when the device enrolled with it again (``enrolled_at``), for which
technician. The revocation stays on record here once the device is back."""

nonces = sa.Table(
    "nonces",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(128), primary_key=True),
    _time("seen_at"),
    sa.Index("nonces_seen_at", "seen_at"),
)

actions = sa.Table(
    "actions",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("technician_id", sa.String(120), nullable=False),
    sa.Column("tool", sa.String(120), nullable=False),
    sa.Column("action_type", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("device_state", sa.String(32), nullable=False),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("confirmation", sa.Text, nullable=True),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("trace_id", sa.String(128), nullable=False),
    sa.Column("created_at", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("device_outcome", sa.String(16), nullable=False),
    sa.Column("device_bundle_version", sa.Integer, nullable=False),
    sa.Column("kb_version", sa.String(64), nullable=False, server_default=""),
    sa.Column("model_id", sa.String(120), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("centre_decision", sa.Text, nullable=True),
    sa.Column("centre_outcome", sa.String(16), nullable=True),
    sa.Column("centre_bundle_version", sa.Integer, nullable=True),
    sa.Column("result_id", sa.Integer, nullable=False, server_default="0"),
    _time("received_at"),
    _time("updated_at"),
    sa.UniqueConstraint("device_id", "key", name="actions_device_key"),
    sa.Index("actions_device_status_seq", "device_id", "status", "seq"),
    sa.Index("actions_status", "status"),
    sa.Index("actions_technician", "technician_id", "received_at"),
    # The review queue in its order, quarantined actions only: its pages read
    # a hundred rows in order instead of sorting every held action.
    sa.Index(
        "actions_queue",
        "status",
        "received_at",
        "device_id",
        "seq",
        "key",
        sqlite_where=sa.text("status = 'quarantined'"),
        postgresql_where=sa.text("status = 'quarantined'"),
    ),
)

chain_links = sa.Table(
    "chain_links",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    _time("received_at"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("result_id", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("centre_decision", sa.Text, nullable=True),
    sa.Column("actor", sa.String(160), nullable=False),
    _time("at"),
    sa.UniqueConstraint("device_id", "result_id", name="decisions_device_result"),
    sa.Index("decisions_device_key", "device_id", "key"),
)

traces = sa.Table(
    "traces",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("trace_id", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("start_ns", sa.BigInteger, nullable=False),
    sa.Column("end_ns", sa.BigInteger, nullable=False),
    sa.Column("spans", sa.Text, nullable=False),
    _time("saved_at"),
    sa.Column("search_text", sa.Text, nullable=True),
    sa.Index("traces_saved", "saved_at", "device_id", "trace_id"),
)
"""Every turn's trace. ``search_text`` is what a text search reads (see
``turn_text.py``); ``NULL`` when a row was written without it, and such a
row is searched in its spans."""

device_decisions = sa.Table(
    "device_decisions",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("technician_id", sa.String(120), nullable=False),
    sa.Column("tool", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("trace_id", sa.String(128), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    _time("received_at"),
    sa.Index("device_decisions_outcome", "outcome", "received_at"),
    sa.Index("device_decisions_received", "received_at", "device_id", "key"),
    sa.Index("device_decisions_trace", "device_id", "trace_id"),
)
"""Every decision a device made, from its journal: denied ones too."""

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    _time("next_attempt_at"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    _time("created_at"),
    _time("delivered_at", nullable=True),
    sa.Index("deliveries_due", "status", "next_attempt_at"),
)

policy_bundles = sa.Table(
    "policy_bundles",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    _time("issued_at"),
    _time("expires_at"),
    _time("published_at"),
    sa.Column("published_by", sa.String(120), nullable=False),
)

kb_versions = sa.Table(
    "kb_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("base_version", sa.Integer, nullable=True),
    sa.Column("snapshot", sa.Text, nullable=False),
    sa.Column("delta", sa.Text, nullable=True),
    _time("published_at"),
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
    _time("withdrawn_at"),
    sa.Column("withdrawn_by", sa.String(120), nullable=False),
)

job_books = sa.Table(
    "job_books",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    _time("assigned_at"),
    sa.Column("assigned_by", sa.String(120), nullable=False),
)

kill_switches = sa.Table(
    "kill_switches",
    metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("target", sa.String(120), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    _time("updated_at"),
    sa.Column("updated_by", sa.String(120), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    _time("at"),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

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
    _time("created_at"),
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
    _time("uploaded_at"),
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
    _time("at"),
    sa.Column("actor", sa.String(120), nullable=False),
)
"""How each release passed the gate: the report that let it through, or a
supervisor's override (who, when, why, which figures failed) with the gate's
thresholds at the time. A rollback has none: it is not gated."""

people = sa.Table(
    "people",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    _time("created_at"),
    _time("disabled_at", nullable=True),
)
"""People who sign in to the console (supervisors, read-only auditors), with
an argon2 hash of their password. Devices are never people."""

console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    _time("created_at"),
    _time("last_seen_at"),
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
    _time("at"),
    sa.Index("sign_in_failures_subject", "subject", "at"),
)
"""Failed console sign-ins by username (``user:NAME``) and by client address
(``address:IP``), counted over a sliding window to slow guessing."""

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
    _time("published_at"),
    sa.Column("published_by", sa.String(160), nullable=False),
)
"""Evaluation suites as supervisors published them, never changed: the
archive of ``suite.json`` and the files it names, its SHA-256, the content's
(``sha256``, as reports name a suite) and its cases per kind. Versions only
go up."""
