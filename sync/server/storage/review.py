"""SQL for the review queue: quarantined actions and supervisors' verdicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.records import (
    ActionDetail,
    QueueCursor,
    ReviewFilter,
    ReviewItem,
    StoredResult,
)
from sync.server.storage.schema import UtcDateTime, actions, decisions, devices
from sync.server.storage.store import load_json

QUEUE_ORDER = (
    actions.c.received_at,
    actions.c.device_id,
    actions.c.seq,
    actions.c.key,
)
"""The queue's order: oldest first, then a device's in its own order; unique
(the key breaks any tie), so a page ends at a definite row."""


def quarantined(
    connection: Connection,
    selection: ReviewFilter,
    *,
    now: datetime,
    limit: int,
    after: QueueCursor | None = None,
) -> list[ReviewItem]:
    """Up to ``limit`` quarantined actions the filter selects (their age
    counted up to ``now``), in the queue's order (received, device, sequence, key),
    those after ``after`` only."""
    query = (
        matching(sa.select(actions), selection, now).order_by(*QUEUE_ORDER).limit(limit)
    )
    if after is not None:
        query = query.where(
            sa.tuple_(*QUEUE_ORDER)
            > sa.tuple_(
                sa.literal(after.received_at, UtcDateTime()),
                sa.literal(after.device_id),
                sa.literal(after.seq),
                sa.literal(after.key),
            )
        )
    return [_item(row) for row in connection.execute(query)]


def count_quarantined(
    connection: Connection, selection: ReviewFilter, *, now: datetime
) -> int:
    """How many quarantined actions the filter selects."""
    query = matching(sa.select(sa.func.count()).select_from(actions), selection, now)
    return int(connection.scalar(query) or 0)


def matching(
    query: sa.Select[Any], selection: ReviewFilter, now: datetime
) -> sa.Select[Any]:
    """``query`` narrowed to the quarantined actions the filter selects."""
    query = query.where(_held(selection) == "quarantined")
    if selection.device_id is not None:
        query = query.where(actions.c.device_id == selection.device_id)
    if selection.technician_id is not None:
        query = query.where(actions.c.technician_id == selection.technician_id)
    if selection.tool is not None:
        query = query.where(actions.c.tool == selection.tool)
    if selection.reason:
        query = query.where(
            actions.c.reason.contains(selection.reason, autoescape=True)
        )
    if selection.older_than is not None:
        query = query.where(actions.c.received_at <= now - selection.older_than)
    return query


def _held(selection: ReviewFilter) -> sa.ColumnElement[Any]:
    """The status column as the filter should meet it. A technician's actions
    are read by their own index: ``+status`` keeps SQLite from reading every
    held action through the queue's index instead (without statistics, it
    would, to save the sort)."""
    if selection.technician_id is not None:
        return sa.literal_column("+actions.status", actions.c.status.type)
    return actions.c.status


def detail(connection: Connection, device_id: str, key: str) -> ActionDetail:
    """One action with its decisions, confirmation and evidence."""
    row = connection.execute(
        sa.select(actions).where(actions.c.device_id == device_id, actions.c.key == key)
    ).one()
    return ActionDetail(
        item=_item(row),
        status=row.status,
        device_decision=load_json(row.decision),
        centre_decision=load_json(row.centre_decision),
        confirmation=load_json(row.confirmation),
        evidence=load_json(row.evidence),
    )


def _item(row: sa.Row[Any]) -> ReviewItem:
    return ReviewItem(
        device_id=row.device_id,
        technician_id=row.technician_id,
        key=row.key,
        seq=row.seq,
        tool=row.tool,
        payload=load_json(row.payload),
        reason=row.reason,
        device_outcome=row.device_outcome,
        centre_outcome=row.centre_outcome,
        received_at=row.received_at,
    )


def keys_starting(
    connection: Connection, prefix: str, device_id: str | None = None, limit: int = 6
) -> list[tuple[str, str]]:
    """(device, key) of the actions whose key starts with ``prefix``."""
    query = (
        sa.select(actions.c.device_id, actions.c.key)
        .where(actions.c.key.startswith(prefix, autoescape=True))
        .order_by(actions.c.device_id, actions.c.key)
        .limit(limit)
    )
    if device_id is not None:
        query = query.where(actions.c.device_id == device_id)
    return [(row.device_id, row.key) for row in connection.execute(query)]


def current(connection: Connection, device_id: str, key: str) -> StoredResult:
    """The action's current result (the caller holds the device's row lock)."""
    row = connection.execute(
        sa.select(actions).where(actions.c.device_id == device_id, actions.c.key == key)
    ).one()
    return StoredResult(
        row.key,
        row.seq,
        row.status,
        row.reason,
        load_json(row.centre_decision),
        row.result_id,
        row.content_digest,
    )


def resolve(
    connection: Connection,
    *,
    device_id: str,
    key: str,
    seq: int,
    status: str,
    reason: str,
    result_id: int,
    actor: str,
    at: datetime,
) -> None:
    """Give a quarantined action the supervisor's verdict and a new result id."""
    connection.execute(
        actions.update()
        .where(actions.c.device_id == device_id, actions.c.key == key)
        .values(status=status, reason=reason, result_id=result_id, updated_at=at)
    )
    decision = connection.scalar(
        sa.select(actions.c.centre_decision).where(
            actions.c.device_id == device_id, actions.c.key == key
        )
    )
    connection.execute(
        decisions.insert().values(
            device_id=device_id,
            key=key,
            seq=seq,
            result_id=result_id,
            status=status,
            reason=reason,
            centre_decision=decision,
            actor=actor,
            at=at,
        )
    )
    connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(last_result_id=result_id)
    )
