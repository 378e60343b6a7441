"""How outbox values are stored: times, JSON columns, and rows back to values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sync.chain import Link, canonical_json, link_content
from sync.errors import OutboxError
from sync.outbox.models import JsonObject, QueuedAction, TraceRecord, Transition
from sync.outbox.states import ActionState

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""Stored times: UTC with microseconds, so text order is time order."""

ACTION_COLUMNS = (
    "key, seq, tool, action_type, payload, payload_hash, state, decision, "
    "confirmation, evidence, trace_id, created_at, updated_at, state_reason, "
    "not_before, acknowledged_at, prev_hash, row_hash"
)
TRACE_COLUMNS = "trace_id, name, start_ns, end_ns, spans, saved_at"
TRANSITION_COLUMNS = "action_key, from_state, to_state, at, actor, reason"
TRACE_FIELDS = frozenset({"trace_id", "name", "spans", "start_ns", "end_ns"})


def format_time(moment: datetime) -> str:
    """``moment`` as stored: ``2026-05-04T10:11:12.123456Z``.

    Raises:
        OutboxError: ``moment`` has no time zone (a clock must give aware times).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise OutboxError(
            f"The time {moment.isoformat()} has no time zone; the outbox stores "
            "times in UTC and needs an aware clock.",
            title="Time without a time zone",
        )
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """A stored time back as an aware datetime (``fromisoformat`` is fast)."""
    return datetime.fromisoformat(text)


def parse_optional_time(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def encode_json(value: Any, *, what: str) -> str:
    """``value`` as canonical JSON text, for a JSON column.

    Raises:
        OutboxError: ``value`` cannot be represented as JSON.
    """
    try:
        return canonical_json(value).decode("utf-8")
    except (TypeError, ValueError) as exc:
        raise OutboxError(
            f"The {what} cannot be stored: it is not plain JSON data ({exc}).",
            title="Cannot queue the action",
        ) from exc


def require_object(value: object, *, what: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise OutboxError(
            f"The {what} must be a JSON object (a mapping), not "
            f"{type(value).__name__}.",
            title="Cannot queue the action",
        )
    return value


def action_from_row(row: Sequence[Any]) -> QueuedAction:
    """A :class:`QueuedAction` from a row selected as :data:`ACTION_COLUMNS`."""
    (key, seq, tool, action_type, payload, payload_hash, state, decision) = row[:8]
    (confirmation, evidence, trace_id, created_at, updated_at) = row[8:13]
    (state_reason, not_before, acknowledged_at, prev_hash, row_hash) = row[13:]
    return QueuedAction(
        key=key,
        seq=seq,
        tool=tool,
        action_type=action_type,
        payload=json.loads(payload),
        payload_hash=payload_hash,
        state=ActionState(state),
        decision=json.loads(decision),
        confirmation=None if confirmation is None else json.loads(confirmation),
        evidence=json.loads(evidence),
        trace_id=trace_id,
        created_at=parse_time(created_at),
        updated_at=parse_time(updated_at),
        state_reason=state_reason,
        not_before=parse_optional_time(not_before),
        acknowledged_at=parse_optional_time(acknowledged_at),
        prev_hash=prev_hash,
        row_hash=row_hash,
    )


def trace_from_row(row: Sequence[Any]) -> TraceRecord:
    """A :class:`TraceRecord` from a row selected as :data:`TRACE_COLUMNS`."""
    trace_id, name, start_ns, end_ns, spans, saved_at = row
    return TraceRecord(
        trace_id=trace_id,
        name=name,
        start_ns=start_ns,
        end_ns=end_ns,
        spans=tuple(json.loads(spans)),
        saved_at=parse_time(saved_at),
    )


def transition_from_row(row: Sequence[Any]) -> Transition:
    """A :class:`Transition` from a row selected as :data:`TRANSITION_COLUMNS`."""
    key, from_state, to_state, at, actor, reason = row
    return Transition(
        action_key=key,
        from_state=None if from_state is None else ActionState(from_state),
        to_state=ActionState(to_state),
        at=parse_time(at),
        actor=actor,
        reason=reason,
    )


LINK_SQL = (
    "SELECT seq, prev_hash, row_hash, key, tool, action_type, payload, "
    "payload_hash, decision, confirmation, evidence, trace_id, created_at "
    "FROM actions UNION ALL "
    "SELECT seq, prev_hash, row_hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL FROM pruned_actions ORDER BY seq"
)
"""Every link of the chain, kept or pruned, in sequence order (see link_from_row)."""


def link_from_row(device_id: str, row: Sequence[Any]) -> Link:
    """A chain link from a :data:`LINK_SQL` row (pruned rows have no content)."""
    seq, prev_hash, row_hash, key = row[:4]
    if key is None:
        return Link(seq, prev_hash, row_hash, None)
    tool, action_type, payload, payload_hash, decision, confirmation = row[4:10]
    evidence, trace_id, created_at = row[10:]
    content = link_content(
        {
            "device_id": device_id,
            "seq": seq,
            "key": key,
            "tool": tool,
            "action_type": action_type,
            "payload": json.loads(payload),
            "payload_hash": payload_hash,
            "decision": json.loads(decision),
            "confirmation": None if confirmation is None else json.loads(confirmation),
            "evidence": json.loads(evidence),
            "trace_id": trace_id,
            "created_at": created_at,
        }
    )
    return Link(seq, prev_hash, row_hash, content)
