"""SQL for devices' journals: every turn's trace and every decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.protocol import JournalEntry
from sync.server.storage.actions import save_traces
from sync.server.storage.schema import actions, device_decisions, devices, traces
from sync.server.storage.store import column_text, dump_json, upsert


def known_traces(
    connection: Connection, device_id: str, trace_ids: Sequence[str]
) -> set[str]:
    """Which of ``trace_ids`` the centre holds for the device already."""
    if not trace_ids:
        return set()
    query = sa.select(traces.c.trace_id).where(
        traces.c.device_id == device_id, traces.c.trace_id.in_(list(trace_ids))
    )
    return set(connection.scalars(query))


def store_entries(
    connection: Connection,
    device_id: str,
    technician_id: str,
    entries: Sequence[JournalEntry],
    *,
    at: datetime,
) -> int:
    """Store the entries' traces and decisions; returns the device's new place.

    A trace or decision sent again replaces the one kept (the device saved it
    again, or the action moved on there).
    """
    save_traces(connection, device_id, [entry.trace for entry in entries], at=at)
    rows: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for decision in entry.decisions:
            recorded = decision.decision
            rows[decision.key] = {
                "device_id": device_id,
                "key": decision.key,
                "seq": decision.seq,
                "technician_id": technician_id,
                "tool": decision.tool,
                "outcome": column_text(recorded.get("outcome", "unknown"), 16),
                "reasons": dump_json(_reasons(recorded.get("reasons"))),
                "state": decision.state,
                "payload": dump_json(decision.payload),
                "decision": dump_json(recorded),
                "trace_id": entry.trace.trace_id,
                "created_at": decision.created_at,
                "received_at": at,
            }
    upsert(
        connection,
        device_decisions,
        list(rows.values()),
        ["device_id", "key"],
        ["state", "received_at"],
    )
    reached = max(entry.place for entry in entries)
    connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id, devices.c.journal_place < reached)
        .values(journal_place=reached)
    )
    place = connection.scalar(
        sa.select(devices.c.journal_place).where(devices.c.device_id == device_id)
    )
    return int(place or 0)


def _reasons(given: object) -> list[Any]:
    """The reasons a device's decision gives, as a list whatever it sent."""
    if isinstance(given, list):
        return given
    return [] if given is None else [given]


def prune_journal(connection: Connection, before: datetime) -> int:
    """Forget turns and decisions received before ``before``; returns how many.

    A trace an action at the centre still names is kept with the action.
    """
    named = sa.select(actions.c.trace_id).where(
        actions.c.device_id == traces.c.device_id,
        actions.c.trace_id == traces.c.trace_id,
    )
    gone = connection.execute(
        traces.delete().where(traces.c.saved_at < before, ~named.exists())
    ).rowcount
    gone += connection.execute(
        device_decisions.delete().where(device_decisions.c.received_at < before)
    ).rowcount
    return int(gone or 0)
