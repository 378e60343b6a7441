"""Values read from the outbox: actions, their state changes, and traces.

Decisions, confirmations, evidence, payloads and spans are the JSON-ready
mappings the app stored, parsed back; treat them as read-only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync.outbox.states import ActionState

JsonObject = Mapping[str, Any]
"""A JSON object as Python values (str keys; str, numbers, bools, None, lists)."""

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""

IdSource = Callable[[], str]
"""Returns a new, globally unique id (idempotency keys)."""


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


def new_idempotency_key() -> str:
    """The default id source: a random UUID as 32 hex digits."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class QueuedAction:
    """One action the assistant proposed, with everything that justified it.

    Attributes:
        key: The idempotency key: the centre applies an action once per key.
        seq: Per-device sequence number: 1, 2, 3 ... with no gaps.
        tool: The tool the action calls, e.g. ``order_part``.
        action_type: What kind of change it is (``create``, ``order`` ...).
        payload: The tool's arguments, exactly as confirmed.
        payload_hash: :func:`sync.chain.payload_hash` of ``payload``.
        state: Where the action stands now.
        decision: The policy decision, as the app recorded it.
        confirmation: The technician's confirmation, if the policy asked for one.
        evidence: Cited chunks, OCR codes, photo hash, KB version, model id ...
        trace_id: The trace of the turn that proposed it.
        created_at: When it was recorded.
        updated_at: When its state last changed.
        state_reason: Why it is in this state (e.g. why the last push failed).
        not_before: The next push must not send it before this time.
        acknowledged_at: When the centre acknowledged its final state, if it has.
        prev_hash: The previous action's ``row_hash`` (see :mod:`sync.chain`).
        row_hash: This action's link in the hash chain.
    """

    key: str
    seq: int
    tool: str
    action_type: str
    payload: JsonObject
    payload_hash: str
    state: ActionState
    decision: JsonObject
    confirmation: JsonObject | None
    evidence: JsonObject
    trace_id: str
    created_at: datetime
    updated_at: datetime
    state_reason: str
    not_before: datetime | None
    acknowledged_at: datetime | None
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of an action's state, and who or what made it.

    Attributes:
        action_key: The action's idempotency key.
        from_state: The state before, ``None`` when the action was recorded.
        to_state: The state after.
        at: When it happened.
        actor: Who or what made the change (``technician:ann``, ``sync``,
            ``centre``, ``supervisor:bob``).
        reason: Why, in plain language; may be empty.
    """

    action_key: str
    from_state: ActionState | None
    to_state: ActionState
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """The stored trace of one technician turn.

    Attributes:
        trace_id: The trace's id.
        name: What the turn was (``ask``, ``propose``, ``ocr`` ...).
        start_ns: When the turn started, in nanoseconds since the epoch.
        end_ns: When it ended.
        spans: One mapping per step, as the app recorded them.
        saved_at: When the outbox last stored it.
    """

    trace_id: str
    name: str
    start_ns: int
    end_ns: int
    spans: tuple[JsonObject, ...]
    saved_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready form the app saved (with the start and end made explicit)."""
        return {
            "trace_id": self.trace_id,
            "name": self.name,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "spans": [dict(span) for span in self.spans],
        }


@dataclass(frozen=True, slots=True)
class PendingAction:
    """An action the next push sends, with the trace that goes up with it."""

    action: QueuedAction
    trace: TraceRecord


@dataclass(frozen=True, slots=True)
class JournalPage:
    """The next part of the journal.

    Attributes:
        items: The turns to send, oldest first.
        through: The last place looked at (the cursor once ``items`` are
            held by the centre): turns whose actions all go with a push
            are passed over, as the push carries their trace and decision.
    """

    items: tuple[JournalItem, ...]
    through: int


@dataclass(frozen=True, slots=True)
class JournalItem:
    """One turn as the journal sends it to the centre.

    Attributes:
        place: Its place in the journal (the cursor to resume after).
        trace: The turn's trace.
        actions: The actions the turn recorded, with their decisions (denied
            ones included).
    """

    place: int
    trace: TraceRecord
    actions: tuple[QueuedAction, ...]


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last link of an outbox's hash chain.

    Attributes:
        seq: The last sequence number given out (0 before the first action).
        row_hash: That action's ``row_hash`` (the genesis hash before any).
    """

    seq: int
    row_hash: str


@dataclass(frozen=True, slots=True)
class OutboxIdentity:
    """Which outbox this is, and how far it got.

    Attributes:
        outbox_id: A random id given when the outbox was created; a copy
            restored from a backup keeps it, a new outbox has another.
        device_id: The device its actions belong to.
        head: Its last action's place and hash.
        start: Where its chain starts: the genesis (seq 0) for a device's first
            outbox, or the last link of the outbox it continues.
    """

    outbox_id: str
    device_id: str
    head: ChainHead
    start: ChainHead


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """An action recorded earlier for the same request.

    Attributes:
        seq: The action's sequence number.
        action: The action, or ``None`` when it was pruned after the centre
            acknowledged its final state.
        request_hash: The hash of the request that recorded it (``None``
            once pruned).
    """

    seq: int
    action: QueuedAction | None
    request_hash: str | None
