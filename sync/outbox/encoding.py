"""What the app hands the outbox, checked and encoded before any write.

Each part of an action must be a JSON object; it is stored as canonical JSON
(:func:`sync.chain.canonical_json`), the same bytes that its hash covers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.chain import sha256_hex
from sync.errors import InvalidTransition, OutboxError
from sync.outbox.models import JsonObject
from sync.outbox.rows import TRACE_FIELDS, encode_json, require_object
from sync.outbox.states import INITIAL_STATES, ActionState

NOT_QUEUED = "Cannot queue the action"
NOT_SAVED = "Cannot save the trace"


@dataclass(frozen=True, slots=True)
class EncodedTrace:
    """A trace checked and encoded for its row."""

    trace_id: str
    name: str
    start_ns: int
    end_ns: int
    spans: str


@dataclass(frozen=True, slots=True)
class NewAction:
    """An action checked and encoded, before it gets its key and place."""

    tool: str
    action_type: str
    payload: JsonObject
    payload_json: str
    payload_hash: str
    decision: JsonObject
    decision_json: str
    confirmation: JsonObject | None
    confirmation_json: str | None
    evidence: JsonObject
    evidence_json: str
    state: ActionState


def encode_trace(trace: Mapping[str, Any]) -> EncodedTrace:
    """Check a trace mapping and encode it for its row.

    The mapping holds ``trace_id``, ``name`` and ``spans`` (a list of objects),
    and may hold ``start_ns`` and ``end_ns``; without them the earliest start
    and latest end among the spans are used.

    Raises:
        OutboxError: a field is missing, of the wrong type, or unknown.
    """
    problem = _trace_problem(require_object(trace, what="trace"))
    if problem is not None:
        raise OutboxError(f"The trace cannot be stored: {problem}.", title=NOT_SAVED)
    spans = list(trace["spans"])
    return EncodedTrace(
        trace_id=trace["trace_id"],
        name=trace["name"],
        start_ns=_nanoseconds(trace, "start_ns", spans, min),
        end_ns=_nanoseconds(trace, "end_ns", spans, max),
        spans=encode_json(spans, what="trace's spans"),
    )


def _trace_problem(trace: Mapping[str, Any]) -> str | None:
    unknown = sorted(set(trace) - TRACE_FIELDS)
    if unknown:
        return f"unknown fields {', '.join(unknown)}"
    trace_id, spans = trace.get("trace_id"), trace.get("spans")
    if not isinstance(trace_id, str) or not trace_id:
        return "trace_id must be a non-empty string"
    if not isinstance(trace.get("name"), str):
        return "name must be a string"
    if not isinstance(spans, list | tuple) or not all(
        isinstance(span, Mapping) for span in spans
    ):
        return "spans must be a list of objects"
    return None


def _nanoseconds(
    trace: Mapping[str, Any],
    field: str,
    spans: Sequence[Mapping[str, Any]],
    pick: Callable[[list[int]], int],
) -> int:
    """The trace's own ``field``, else the ``pick`` of its spans' (0 if none)."""
    value = trace.get(field)
    if value is None:
        found = [span[field] for span in spans if _is_int(span.get(field))]
        value = pick(found) if found else 0
    if not _is_int(value):
        raise OutboxError(
            f"The trace cannot be stored: {field} must be an integer.",
            title=NOT_SAVED,
        )
    return int(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def new_action(
    *,
    tool: str,
    action_type: str,
    payload: Mapping[str, Any],
    decision: Mapping[str, Any],
    confirmation: Mapping[str, Any] | None,
    evidence: Mapping[str, Any],
    state: ActionState,
) -> NewAction:
    """Check and encode an action's parts before anything is written.

    Raises:
        OutboxError: a part is not a JSON object, or a confirmation names a
            ``payload_hash`` other than this payload's.
        InvalidTransition: an action cannot start in ``state``.
    """
    for what, name in (("tool", tool), ("action type", action_type)):
        if not isinstance(name, str) or not name:
            raise OutboxError(
                f"The {what} must be a non-empty string, not {name!r}.",
                title=NOT_QUEUED,
            )
    if state not in INITIAL_STATES:
        allowed = ", ".join(sorted(INITIAL_STATES))
        raise InvalidTransition(
            f"An action cannot be queued as {state}; it starts as one of: {allowed}.",
            title=NOT_QUEUED,
        )
    payload_json = _object_json(payload, "payload")
    digest = sha256_hex(payload_json.encode("utf-8"))
    confirmation_json = (
        None if confirmation is None else _object_json(confirmation, "confirmation")
    )
    bound = None if confirmation is None else confirmation.get("payload_hash")
    if bound is not None and bound != digest:
        raise OutboxError(
            "The confirmation was given for a different payload than the one being "
            "queued; ask the technician to confirm the action again.",
            title="Confirmation does not match",
        )
    return NewAction(
        tool=tool,
        action_type=action_type,
        payload=payload,
        payload_json=payload_json,
        payload_hash=digest,
        decision=decision,
        decision_json=_object_json(decision, "decision"),
        confirmation=confirmation,
        confirmation_json=confirmation_json,
        evidence=evidence,
        evidence_json=_object_json(evidence, "evidence"),
        state=state,
    )


def _object_json(value: object, what: str) -> str:
    return encode_json(require_object(value, what=what), what=what)
