"""One device's history at the centre, a page at a time: its actions (with
where each stands), the decisions its journal reported (denials too) and its
turns, newest first.

Each page holds at most ``limit`` entries and says whether older ones
follow; the next page starts after the last entry shown (its sequence
number, or for turns its time and trace id), so a device with 100,000 turns
is read one page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sync.server.storage import Storage
from sync.server.storage import device_history as stored
from sync.server.storage.store import load_json

Entry = TypeVar("Entry")

MAX_PAGE = 200
"""Most entries a page holds, whatever is asked."""


@dataclass(frozen=True, slots=True)
class HistoryPage(Generic[Entry]):
    """Entries, newest first, and whether older ones follow."""

    entries: tuple[Entry, ...]
    more: bool


@dataclass(frozen=True, slots=True)
class ActionEntry:
    """One of the device's actions as the centre holds it."""

    key: str
    seq: int
    tool: str
    arguments: Mapping[str, Any]
    status: str
    reason: str
    device_outcome: str
    centre_outcome: str | None
    trace_id: str
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DecisionEntry:
    """A decision the device made (from its journal), denials included."""

    key: str
    seq: int
    tool: str
    outcome: str
    reasons: tuple[str, ...]
    state: str
    trace_id: str
    created_at: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class TurnEntry:
    """One turn the device reported: a question, a photo or a proposal."""

    trace_id: str
    name: str
    seconds: float
    steps: int
    saved_at: datetime


def device_actions(
    storage: Storage,
    device_id: str,
    *,
    status: str | None = None,
    before_seq: int | None = None,
    limit: int = 25,
) -> HistoryPage[ActionEntry]:
    """The device's actions (of ``status`` if given) below ``before_seq``."""
    size = _size(limit)
    with storage.read() as connection:
        rows = stored.actions_page(
            connection, device_id, status=status, before_seq=before_seq, limit=size + 1
        )
    return HistoryPage(tuple(_action(row) for row in rows[:size]), len(rows) > size)


def device_decisions(
    storage: Storage, device_id: str, *, before_seq: int | None = None, limit: int = 25
) -> HistoryPage[DecisionEntry]:
    """The decisions the device reported, below ``before_seq``."""
    size = _size(limit)
    with storage.read() as connection:
        rows = stored.decisions_page(
            connection, device_id, before_seq=before_seq, limit=size + 1
        )
    return HistoryPage(tuple(_decision(row) for row in rows[:size]), len(rows) > size)


def device_turns(
    storage: Storage,
    device_id: str,
    *,
    before: tuple[datetime, str] | None = None,
    limit: int = 25,
) -> HistoryPage[TurnEntry]:
    """The device's turns received before ``before`` (time, trace id)."""
    size = _size(limit)
    with storage.read() as connection:
        rows = stored.turns_page(connection, device_id, before=before, limit=size + 1)
    return HistoryPage(tuple(_turn(row) for row in rows[:size]), len(rows) > size)


def _size(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _action(row: Mapping[str, Any]) -> ActionEntry:
    payload = load_json(row["payload"]) or {}
    arguments = payload.get("args", {}) if isinstance(payload, dict) else {}
    return ActionEntry(
        key=row["key"],
        seq=int(row["seq"]),
        tool=row["tool"],
        arguments=arguments if isinstance(arguments, dict) else {},
        status=row["status"],
        reason=row["reason"],
        device_outcome=row["device_outcome"],
        centre_outcome=row["centre_outcome"],
        trace_id=row["trace_id"],
        received_at=row["received_at"],
        updated_at=row["updated_at"],
    )


def _decision(row: Mapping[str, Any]) -> DecisionEntry:
    reasons = load_json(row["reasons"]) or []
    return DecisionEntry(
        key=row["key"],
        seq=int(row["seq"]),
        tool=row["tool"],
        outcome=row["outcome"],
        reasons=tuple(_text(r) for r in reasons) if isinstance(reasons, list) else (),
        state=row["state"],
        trace_id=row["trace_id"],
        created_at=row["created_at"],
        received_at=row["received_at"],
    )


def _turn(row: Mapping[str, Any]) -> TurnEntry:
    spans = load_json(row["spans"])
    return TurnEntry(
        trace_id=row["trace_id"],
        name=row["name"],
        seconds=max(0, int(row["end_ns"]) - int(row["start_ns"])) / 1e9,
        steps=len(spans) if isinstance(spans, list) else 0,
        saved_at=row["saved_at"],
    )


def _text(reason: object) -> str:
    return reason if isinstance(reason, str) else json.dumps(reason, sort_keys=True)
