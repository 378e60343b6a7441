"""Getting the device's work to the centre: the durable outbox (edge side).

:class:`Outbox` keeps every proposed action with its decision, confirmation,
evidence and the turn's trace, in one SQLite file, until the centre has
acknowledged it. :mod:`sync.chain` holds the hash-chain rules that the centre
checks too. Of this project it may import only :mod:`policies`; it never
imports the knowledge cache or the app.
"""

from __future__ import annotations

from sync.chain import GENESIS_HASH, canonical_json, payload_hash
from sync.errors import (
    BatchTooLarge,
    CentreBusy,
    CentreUnreachable,
    InvalidTransition,
    OutboxCorrupt,
    OutboxError,
    SyncAuthFailed,
    SyncConflict,
    SyncError,
    SyncRejected,
    SyncUnavailable,
    UnknownAction,
    UnknownTrace,
)
from sync.outbox import Outbox, OutboxReader
from sync.outbox.models import (
    Clock,
    IdSource,
    JsonObject,
    PendingAction,
    QueuedAction,
    TraceRecord,
    Transition,
    new_idempotency_key,
    utc_now,
)
from sync.outbox.states import (
    FINAL_STATES,
    INITIAL_STATES,
    PENDING_STATES,
    RESULT_STATES,
    TRANSITIONS,
    ActionState,
)

__all__ = [
    "BatchTooLarge",
    "CentreBusy",
    "CentreUnreachable",
    "SyncAuthFailed",
    "FINAL_STATES",
    "GENESIS_HASH",
    "INITIAL_STATES",
    "PENDING_STATES",
    "RESULT_STATES",
    "TRANSITIONS",
    "ActionState",
    "Clock",
    "IdSource",
    "InvalidTransition",
    "JsonObject",
    "Outbox",
    "OutboxCorrupt",
    "OutboxError",
    "OutboxReader",
    "PendingAction",
    "QueuedAction",
    "SyncConflict",
    "SyncError",
    "SyncRejected",
    "SyncUnavailable",
    "TraceRecord",
    "Transition",
    "UnknownAction",
    "UnknownTrace",
    "canonical_json",
    "new_idempotency_key",
    "payload_hash",
    "utc_now",
]
