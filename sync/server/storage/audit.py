"""SQL for the audit log: who did what at the centre, and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import audit_log
from sync.server.storage.store import dump_json, load_json


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One supervisor or device event (enrolment, revocation, publication ...)."""

    at: datetime
    actor: str
    event: str
    detail: Mapping[str, Any]


def record_event(
    connection: Connection,
    *,
    at: datetime,
    actor: str,
    event: str,
    detail: Mapping[str, Any],
) -> None:
    """Append an event to the audit log, in the caller's transaction."""
    connection.execute(
        audit_log.insert().values(
            at=at, actor=actor, event=event, detail=dump_json(dict(detail))
        )
    )


def events(
    connection: Connection, *, since: datetime | None = None
) -> list[AuditEvent]:
    """Audit events, oldest first, from ``since`` on."""
    query = sa.select(audit_log).order_by(audit_log.c.id)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    return [
        AuditEvent(row.at, row.actor, row.event, load_json(row.detail))
        for row in connection.execute(query)
    ]
