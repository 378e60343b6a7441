"""Values the service reads from its storage and passes between its parts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC)."""

IdSource = Callable[[], str]
"""Returns a new random id or secret."""

Status = Literal["applied", "quarantined", "rejected", "held"]
"""What the centre did with an action (see :data:`sync.protocol.ResultStatus`)."""

CENTRE = "centre"
"""The actor of results the service decides by itself."""


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """An enrolled device, with where its hash chain and result stream stand.

    Attributes:
        device_id: The device's id (also the one its outbox chain hashes).
        name: A label given at enrolment.
        technician_id: The technician the device is enrolled for.
        role: The technician's role, as the policy knows it.
        secret: The shared secret requests are signed with.
        enrolled_at: When it enrolled.
        revoked_at: When it was revoked, if it was.
        revoked_reason: Why it was revoked.
        last_seen_at: Its last authenticated request.
        chain_seq: The last sequence number the centre verified in order.
        chain_hash: That link's ``row_hash`` (the genesis hash before any).
        last_result_id: The last position of its result stream.
        policy_version: The policy version it reported on its last pull.
        kb_version: The KB version it reported on its last pull.
        jobs_version: The job-book version it reported on its last pull.
        client_version: The app version it reported on its last push.
        key_set_version: The centre key set it follows, from its last pull.
        refused_updates: Why it refused what its last pull brought (empty:
            it took everything).
        queue_depth: Actions waiting on it at the end of its last sync.
        journal_place: How far its journal reached the centre.
        model: The model file it answers with, from its last pull.
        model_sha256: That file's SHA-256, from its last pull ('' unknown).
        release_id: The release it ran at its last pull (0: none matched).
        release_since: Since when the centre has seen it run that release.
    """

    device_id: str
    name: str
    technician_id: str
    role: str
    secret: str = field(repr=False)
    enrolled_at: datetime
    revoked_at: datetime | None
    revoked_reason: str
    last_seen_at: datetime | None
    chain_seq: int
    chain_hash: str
    last_result_id: int
    policy_version: int
    kb_version: int
    jobs_version: int
    client_version: str
    key_set_version: int = 0
    refused_updates: tuple[str, ...] = ()
    queue_depth: int = 0
    journal_place: int = 0
    model: str = ""
    model_sha256: str = ""
    release_id: int = 0
    release_since: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class Handover:
    """A revoked device's hand-over: the token a supervisor allowed, and its use.

    Attributes:
        token_hash: The hand-over token's SHA-256.
        device_id: The revoked device it re-enrols (under the same id, as its
            outbox's chain hashes that id into every action).
        revoked_at: The revocation it answers.
        revoked_reason: Why the device was revoked.
        allowed_at: When the supervisor issued the token.
        allowed_by: Who did.
        enrolled_at: When the device enrolled with it (``None``: not yet).
        technician_id: For whom it enrolled then.
    """

    token_hash: str
    device_id: str
    revoked_at: datetime
    revoked_reason: str
    allowed_at: datetime
    allowed_by: str
    enrolled_at: datetime | None = None
    technician_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the centre decided about one action, and why.

    Attributes:
        status: Applied, quarantined, rejected or held.
        reason: Plain-language reason, shown to the technician.
        centre_decision: The centre's own policy decision (``Decision.as_dict()``),
            when it made one.
    """

    status: Status
    reason: str
    centre_decision: Mapping[str, Any] | None = None

    @property
    def centre_outcome(self) -> str | None:
        if self.centre_decision is None:
            return None
        return str(self.centre_decision.get("outcome"))

    @property
    def centre_bundle_version(self) -> int | None:
        if self.centre_decision is None:
            return None
        return int(self.centre_decision.get("bundle_version", 0))


@dataclass(frozen=True, slots=True)
class StoredResult:
    """An action's current result as the centre holds it.

    Attributes:
        key: The idempotency key.
        seq: The device's sequence number.
        status: Its current status.
        reason: Why.
        centre_decision: The centre's policy decision, if it made one.
        result_id: Its position in the device's result stream (0 while held).
        content_digest: Fingerprint of the action's content as first pushed.
    """

    key: str
    seq: int
    status: Status
    reason: str
    centre_decision: Mapping[str, Any] | None
    result_id: int
    content_digest: str


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A quarantined action waiting for a supervisor.

    Attributes:
        device_id: The device that pushed it.
        technician_id: Its technician.
        key: Its idempotency key.
        seq: Its sequence number.
        tool: The tool it calls.
        payload: Its payload.
        reason: Why it is quarantined.
        device_outcome: What the device's policy said.
        centre_outcome: What the centre's policy said, if it judged it.
        received_at: When the centre received it.
    """

    device_id: str
    technician_id: str
    key: str
    seq: int
    tool: str
    payload: Mapping[str, Any]
    reason: str
    device_outcome: str
    centre_outcome: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which quarantined actions a supervisor means; empty fields match all.

    Attributes:
        device_id: Only this device's actions.
        technician_id: Only this technician's actions.
        tool: Only calls of this tool.
        reason: Only actions whose quarantine reason holds this text.
        older_than: Only actions received at least this long ago.
    """

    device_id: str | None = None
    technician_id: str | None = None
    tool: str | None = None
    reason: str | None = None
    older_than: timedelta | None = None


@dataclass(frozen=True, slots=True)
class QueueCursor:
    """Where a page of the review queue ends: its last action's place in the
    queue's order (received, device, sequence, key); the next page starts
    after it."""

    received_at: datetime
    device_id: str
    seq: int
    key: str

    @classmethod
    def of(cls, item: ReviewItem) -> QueueCursor:
        return cls(item.received_at, item.device_id, item.seq, item.key)


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the review queue.

    Attributes:
        items: The page's actions, oldest first.
        total: How many quarantined actions the filter selects in all.
        next_after: Where the next page starts, when one follows.
    """

    items: tuple[ReviewItem, ...]
    total: int
    next_after: QueueCursor | None


@dataclass(frozen=True, slots=True)
class ActionDetail:
    """One pushed action with everything a reviewer weighs.

    Attributes:
        item: The action as the queue lists it.
        status: Where it stands now (``quarantined``, ``applied``...).
        device_decision: The device's decision: outcome, reasons, version.
        centre_decision: The centre's re-validation, if it judged it.
        confirmation: The technician's confirmation, if one was given.
        evidence: What the proposal rested on: cited chunks, codes read from
            a photo, the KB version.
    """

    item: ReviewItem
    status: str
    device_decision: Mapping[str, Any]
    centre_decision: Mapping[str, Any] | None
    confirmation: Mapping[str, Any] | None
    evidence: Mapping[str, Any]
