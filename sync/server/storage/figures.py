"""SQL for figures: queue depths and the rows of the reconciliation report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage import deliveries
from sync.server.storage.schema import actions, decisions, device_decisions, devices


def queue_depths(connection: Connection) -> dict[str, int]:
    """Actions by status, deliveries by status, and devices (enrolled, revoked)."""
    query = sa.select(actions.c.status, sa.func.count()).group_by(actions.c.status)
    by_status = {status: int(n) for status, n in connection.execute(query)}
    delivery = deliveries.counts(connection)
    enrolled = connection.scalar(sa.select(sa.func.count()).select_from(devices)) or 0
    revoked = (
        connection.scalar(
            sa.select(sa.func.count()).where(devices.c.revoked_at.is_not(None))
        )
        or 0
    )
    return {
        "held": int(by_status.get("held", 0)),
        "quarantined": int(by_status.get("quarantined", 0)),
        "applied": int(by_status.get("applied", 0)),
        "rejected": int(by_status.get("rejected", 0)),
        "deliveries_pending": delivery.get("pending", 0),
        "deliveries_failed": delivery.get("failed", 0),
        "deliveries_done": delivery.get("delivered", 0),
        "devices": int(enrolled),
        "devices_revoked": int(revoked),
    }


def statuses_by_device(
    connection: Connection, device_id: str | None = None
) -> dict[str, dict[str, int]]:
    """Each device's actions at the centre, counted by status."""
    query = sa.select(actions.c.device_id, actions.c.status, sa.func.count()).group_by(
        actions.c.device_id, actions.c.status
    )
    if device_id is not None:
        query = query.where(actions.c.device_id == device_id)
    counts: dict[str, dict[str, int]] = {}
    for device, status, n in connection.execute(query):
        counts.setdefault(device, {})[status] = int(n)
    return counts


def action_rows(
    connection: Connection,
    *,
    technician_id: str | None = None,
    technician_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Pushed actions for the report (of one technician, or of those named),
    by technician, device and sequence."""
    query = sa.select(
        actions.c.device_id,
        actions.c.technician_id,
        actions.c.key,
        actions.c.seq,
        actions.c.tool,
        actions.c.created_at,
        actions.c.received_at,
        actions.c.status,
        actions.c.reason,
        actions.c.device_outcome,
        actions.c.device_bundle_version,
        actions.c.centre_outcome,
        actions.c.centre_bundle_version,
        actions.c.kb_version,
        actions.c.model_id,
    ).order_by(actions.c.technician_id, actions.c.device_id, actions.c.seq)
    if technician_id is not None:
        query = query.where(actions.c.technician_id == technician_id)
    if technician_ids is not None:
        query = query.where(actions.c.technician_id.in_(technician_ids))
    if since is not None:
        query = query.where(actions.c.received_at >= since)
    if until is not None:
        query = query.where(actions.c.received_at < until)
    for row in connection.execute(query):
        yield dict(row._mapping)


def report_technicians(
    connection: Connection,
    *,
    technician_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str = "",
    limit: int,
) -> tuple[list[str], int]:
    """The technicians the report of the period has (an action received, or a
    denial from a device's journal), in name order: up to ``limit`` after
    ``after``, and how many there are in all."""
    acted = _in_period(
        sa.select(actions.c.technician_id), actions, technician_id, since, until
    )
    denied = _in_period(
        sa.select(device_decisions.c.technician_id).where(
            device_decisions.c.outcome == "deny"
        ),
        device_decisions,
        technician_id,
        since,
        until,
    )
    everyone = sa.union(acted, denied).subquery()
    names = sa.select(everyone.c.technician_id).where(everyone.c.technician_id > after)
    found = connection.scalars(
        names.order_by(everyone.c.technician_id).limit(limit)
    ).all()
    total = connection.scalar(sa.select(sa.func.count()).select_from(everyone))
    return list(found), int(total or 0)


def _in_period(
    query: sa.Select[Any],
    table: sa.Table,
    technician_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> sa.Select[Any]:
    if technician_id is not None:
        query = query.where(table.c.technician_id == technician_id)
    if since is not None:
        query = query.where(table.c.received_at >= since)
    if until is not None:
        query = query.where(table.c.received_at < until)
    return query


def device_denials(
    connection: Connection,
    *,
    technician_id: str | None = None,
    technician_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Decisions devices denied (from their journals), oldest first."""
    query = (
        sa.select(
            device_decisions.c.device_id,
            device_decisions.c.technician_id,
            device_decisions.c.tool,
            device_decisions.c.reasons,
            device_decisions.c.created_at,
        )
        .where(device_decisions.c.outcome == "deny")
        .order_by(device_decisions.c.created_at)
    )
    if technician_id is not None:
        query = query.where(device_decisions.c.technician_id == technician_id)
    if technician_ids is not None:
        query = query.where(device_decisions.c.technician_id.in_(technician_ids))
    if since is not None:
        query = query.where(device_decisions.c.received_at >= since)
    if until is not None:
        query = query.where(device_decisions.c.received_at < until)
    return [dict(row._mapping) for row in connection.execute(query)]


def supervisor_decisions(
    connection: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Supervisors' verdicts (approvals and rejections)."""
    query = (
        sa.select(
            decisions.c.device_id,
            decisions.c.key,
            decisions.c.status,
            decisions.c.actor,
            decisions.c.at,
            decisions.c.reason,
        )
        .where(decisions.c.actor.like("supervisor:%"))
        .order_by(decisions.c.id)
    )
    if since is not None:
        query = query.where(decisions.c.at >= since)
    if until is not None:
        query = query.where(decisions.c.at < until)
    return [dict(row._mapping) for row in connection.execute(query)]
