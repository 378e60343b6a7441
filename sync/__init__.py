"""Getting the device's work to the centre: the outbox, the client, the run.

:class:`Outbox` keeps every proposed action with its decision, confirmation,
evidence and the turn's trace, in one SQLite file, until the centre has
acknowledged it. :func:`drain` with a :class:`SyncClient` pushes what is queued
and pulls what the centre has for the device. :mod:`sync.chain` holds the
hash-chain rules that the centre checks too. Of this project it may import only
:mod:`policies`; it never imports the knowledge cache or the app.

The client, the run and the wire models load on first use (the client needs
httpx, the wire models pydantic), so importing this package stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sync.chain import GENESIS_HASH, canonical_json, payload_hash
from sync.errors import (
    BatchTooLarge,
    CentreBusy,
    CentreNotTrusted,
    CentreUnreachable,
    InvalidTransition,
    OutboxCorrupt,
    OutboxError,
    ReplyNotAuthentic,
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
    ChainHead,
    Clock,
    IdSource,
    JsonObject,
    OutboxIdentity,
    PendingAction,
    QueuedAction,
    RecordedRequest,
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

if TYPE_CHECKING:
    from sync.client import Enrolled, SyncClient, enroll
    from sync.content_hashes import (
        kb_content_sha256,
        policy_content_sha256,
        suite_content_sha256,
    )
    from sync.evaluation_protocol import EvaluationReport, ReportReceipt, SuiteDownload
    from sync.journal import JournalOutcome, send_journal
    from sync.otlp import otlp_document
    from sync.pinning import CentreTLS, centre_tls, normalized_fingerprint
    from sync.protocol import (
        KbDelta,
        PullRequest,
        PullResponse,
        ReleaseManifest,
        ReleaseModel,
    )
    from sync.runner import drain
    from sync.runner_models import OutcomeStatus, Progress, SyncReport
    from sync.suite_archive import (
        SuiteArchiveInvalid,
        read_suite_archive,
        write_suite_files,
    )

_LAZY = {
    "Enrolled": "sync.client",
    "SyncClient": "sync.client",
    "enroll": "sync.client",
    "JournalOutcome": "sync.journal",
    "send_journal": "sync.journal",
    "otlp_document": "sync.otlp",
    "CentreTLS": "sync.pinning",
    "centre_tls": "sync.pinning",
    "normalized_fingerprint": "sync.pinning",
    "KbDelta": "sync.protocol",
    "PullRequest": "sync.protocol",
    "PullResponse": "sync.protocol",
    "ReleaseManifest": "sync.protocol",
    "ReleaseModel": "sync.protocol",
    "EvaluationReport": "sync.evaluation_protocol",
    "ReportReceipt": "sync.evaluation_protocol",
    "kb_content_sha256": "sync.content_hashes",
    "policy_content_sha256": "sync.content_hashes",
    "SuiteDownload": "sync.evaluation_protocol",
    "suite_content_sha256": "sync.content_hashes",
    "drain": "sync.runner",
    "SuiteArchiveInvalid": "sync.suite_archive",
    "read_suite_archive": "sync.suite_archive",
    "write_suite_files": "sync.suite_archive",
    "OutcomeStatus": "sync.runner_models",
    "Progress": "sync.runner_models",
    "SyncReport": "sync.runner_models",
}
"""Names exported here but loaded from their module on first use."""

__all__ = [
    "FINAL_STATES",
    "GENESIS_HASH",
    "INITIAL_STATES",
    "PENDING_STATES",
    "RESULT_STATES",
    "TRANSITIONS",
    "ActionState",
    "BatchTooLarge",
    "CentreBusy",
    "CentreNotTrusted",
    "CentreTLS",
    "CentreUnreachable",
    "ChainHead",
    "Clock",
    "Enrolled",
    "EvaluationReport",
    "IdSource",
    "InvalidTransition",
    "JsonObject",
    "JournalOutcome",
    "KbDelta",
    "Outbox",
    "OutboxCorrupt",
    "OutboxError",
    "OutboxIdentity",
    "OutboxReader",
    "OutcomeStatus",
    "PendingAction",
    "Progress",
    "PullRequest",
    "PullResponse",
    "QueuedAction",
    "RecordedRequest",
    "ReleaseManifest",
    "ReleaseModel",
    "ReplyNotAuthentic",
    "ReportReceipt",
    "SuiteArchiveInvalid",
    "SuiteDownload",
    "SyncAuthFailed",
    "SyncClient",
    "SyncConflict",
    "SyncError",
    "SyncRejected",
    "SyncReport",
    "SyncUnavailable",
    "TraceRecord",
    "Transition",
    "UnknownAction",
    "UnknownTrace",
    "canonical_json",
    "centre_tls",
    "drain",
    "enroll",
    "kb_content_sha256",
    "new_idempotency_key",
    "normalized_fingerprint",
    "otlp_document",
    "payload_hash",
    "policy_content_sha256",
    "read_suite_archive",
    "send_journal",
    "suite_content_sha256",
    "utc_now",
    "write_suite_files",
]


if not TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports above instead, so a
    # name that sync does not export stays an error rather than Any.

    def __getattr__(name: str) -> Any:
        """Load a name of :data:`_LAZY` from its module, once."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
