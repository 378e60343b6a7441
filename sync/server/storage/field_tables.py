"""The tables of what devices send: pushed actions, their chain links and
the centre's decisions on them, every turn's trace, every decision from the
devices' journals, and the deliveries of applied actions."""

from __future__ import annotations

import sqlalchemy as sa

from sync.server.storage.columns import metadata, time_column

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
    time_column("received_at"),
    time_column("updated_at"),
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
    time_column("received_at"),
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
    time_column("at"),
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
    time_column("saved_at"),
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
    time_column("received_at"),
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
    time_column("next_attempt_at"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    time_column("created_at"),
    time_column("delivered_at", nullable=True),
    sa.Index("deliveries_due", "status", "next_attempt_at"),
)
