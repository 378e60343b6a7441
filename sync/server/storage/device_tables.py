"""The tables of devices and how they came to be trusted: enrolled devices
(their credentials, chain head and what they last reported), single-use
enrolment tokens, hand-overs of revoked devices, and the nonces each device
has used."""

from __future__ import annotations

import sqlalchemy as sa

from sync.chain import GENESIS_HASH
from sync.server.storage.columns import metadata, time_column

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("technician_id", sa.String(120), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    time_column("enrolled_at"),
    time_column("revoked_at", nullable=True),
    sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
    time_column("last_seen_at", nullable=True),
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
    time_column("release_since", nullable=True),
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
    time_column("created_at"),
    time_column("expires_at"),
    time_column("used_at", nullable=True),
    sa.Column("used_by", sa.String(64), nullable=True),
    sa.Column("created_by", sa.String(120), nullable=False),
)

device_handovers = sa.Table(
    "device_handovers",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), nullable=False),
    time_column("revoked_at"),
    sa.Column("revoked_reason", sa.Text, nullable=False, server_default=""),
    time_column("allowed_at"),
    sa.Column("allowed_by", sa.String(120), nullable=False),
    time_column("enrolled_at", nullable=True),
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
    time_column("seen_at"),
    sa.Index("nonces_seen_at", "seen_at"),
)
