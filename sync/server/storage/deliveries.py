"""SQL for handing applied actions to the connector: claim, succeed, retry.

A claim takes due deliveries with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (so
two service processes never take the same one) and leases them: their next
attempt moves past the lease, so a process that dies mid-delivery leaves them
to be tried again, never lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.connectors import AppliedAction
from sync.server.storage.schema import actions, decisions, deliveries
from sync.server.storage.store import load_json


def claim_due(
    connection: Connection, *, now: datetime, limit: int, lease: timedelta
) -> list[AppliedAction]:
    """Lease up to ``limit`` deliveries due at ``now`` and return their actions."""
    query = (
        sa.select(deliveries.c.device_id, deliveries.c.key)
        .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = [(row.device_id, row.key) for row in connection.execute(query)]
    if not due:
        return []
    connection.execute(
        deliveries.update()
        .where(sa.tuple_(deliveries.c.device_id, deliveries.c.key).in_(due))
        .values(next_attempt_at=now + lease, attempts=deliveries.c.attempts + 1)
    )
    return _applied_all(connection, due)


def delivered(connection: Connection, action: AppliedAction, *, at: datetime) -> None:
    """Record a successful delivery."""
    connection.execute(
        _one(action).values(status="delivered", delivered_at=at, last_error="")
    )


def failed(
    connection: Connection,
    action: AppliedAction,
    *,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Record a failed attempt: retried at ``retry_at``, or parked when ``None``."""
    if retry_at is None:
        connection.execute(_one(action).values(status="failed", last_error=error))
    else:
        connection.execute(
            _one(action).values(next_attempt_at=retry_at, last_error=error)
        )


def attempts(connection: Connection, action: AppliedAction) -> int:
    """How many attempts the delivery has had (this one included)."""
    return int(
        connection.scalar(
            sa.select(deliveries.c.attempts).where(
                deliveries.c.device_id == action.device_id,
                deliveries.c.key == action.key,
            )
        )
        or 0
    )


def retry_failed(connection: Connection, *, now: datetime) -> int:
    """Put parked deliveries back in line; returns how many."""
    result = connection.execute(
        deliveries.update()
        .where(deliveries.c.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount or 0)


def counts(connection: Connection) -> dict[str, int]:
    """Deliveries by status."""
    query = sa.select(deliveries.c.status, sa.func.count()).group_by(
        deliveries.c.status
    )
    return {status: int(n) for status, n in connection.execute(query)}


def _one(action: AppliedAction) -> sa.Update:
    return deliveries.update().where(
        deliveries.c.device_id == action.device_id, deliveries.c.key == action.key
    )


def _applied_all(
    connection: Connection, due: list[tuple[str, str]]
) -> list[AppliedAction]:
    """The claimed actions, read in two queries, in the order claimed."""
    pairs = sa.tuple_(actions.c.device_id, actions.c.key).in_(due)
    rows = {
        (r.device_id, r.key): r
        for r in connection.execute(sa.select(actions).where(pairs))
    }
    approvals = sa.select(
        decisions.c.device_id, decisions.c.key, decisions.c.actor
    ).where(
        sa.tuple_(decisions.c.device_id, decisions.c.key).in_(due),
        decisions.c.status == "applied",
        decisions.c.actor.like("supervisor:%"),
    )
    approvers = {(r.device_id, r.key): r.actor for r in connection.execute(approvals)}
    return [
        AppliedAction(
            device_id=device_id,
            technician_id=rows[device_id, key].technician_id,
            key=key,
            seq=rows[device_id, key].seq,
            tool=rows[device_id, key].tool,
            action_type=rows[device_id, key].action_type,
            payload=load_json(rows[device_id, key].payload),
            evidence=load_json(rows[device_id, key].evidence),
            decision=load_json(rows[device_id, key].centre_decision),
            approved_by=approvers.get((device_id, key)),
        )
        for device_id, key in due
    ]
