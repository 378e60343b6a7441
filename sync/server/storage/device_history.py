"""SQL for one device's history a page at a time: its actions at the centre,
the decisions and the turns its journal reported, newest first, each page
after a cursor (keyset, never an offset)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import actions, device_decisions, traces


def actions_page(
    connection: Connection,
    device_id: str,
    *,
    status: str | None,
    before_seq: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The device's actions by falling sequence number, below ``before_seq``."""
    query = sa.select(
        actions.c.key,
        actions.c.seq,
        actions.c.tool,
        actions.c.payload,
        actions.c.status,
        actions.c.reason,
        actions.c.device_outcome,
        actions.c.centre_outcome,
        actions.c.trace_id,
        actions.c.received_at,
        actions.c.updated_at,
    ).where(actions.c.device_id == device_id)
    if status is not None:
        query = query.where(actions.c.status == status)
    if before_seq is not None:
        query = query.where(actions.c.seq < before_seq)
    query = query.order_by(actions.c.seq.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def decisions_page(
    connection: Connection, device_id: str, *, before_seq: int | None, limit: int
) -> list[dict[str, Any]]:
    """The decisions the device reported, by falling sequence number."""
    query = sa.select(
        device_decisions.c.key,
        device_decisions.c.seq,
        device_decisions.c.tool,
        device_decisions.c.outcome,
        device_decisions.c.reasons,
        device_decisions.c.state,
        device_decisions.c.trace_id,
        device_decisions.c.created_at,
        device_decisions.c.received_at,
    ).where(device_decisions.c.device_id == device_id)
    if before_seq is not None:
        query = query.where(device_decisions.c.seq < before_seq)
    query = query.order_by(device_decisions.c.seq.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def turns_page(
    connection: Connection,
    device_id: str,
    *,
    before: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The device's turns, the latest received first, before ``before``
    (a turn's ``saved_at`` and ``trace_id``)."""
    query = sa.select(
        traces.c.trace_id,
        traces.c.name,
        traces.c.start_ns,
        traces.c.end_ns,
        traces.c.spans,
        traces.c.saved_at,
    ).where(traces.c.device_id == device_id)
    if before is not None:
        saved_at, trace_id = before
        query = query.where(
            sa.or_(
                traces.c.saved_at < saved_at,
                sa.and_(traces.c.saved_at == saved_at, traces.c.trace_id < trace_id),
            )
        )
    query = query.order_by(traces.c.saved_at.desc(), traces.c.trace_id.desc())
    return [dict(row._mapping) for row in connection.execute(query.limit(limit))]
