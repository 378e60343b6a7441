"""SQL for hand-overs of revoked devices (see :mod:`sync.server.handover`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.records import Handover
from sync.server.storage.schema import device_handovers, devices


def add_handover(
    connection: Connection,
    *,
    token_hash: str,
    device_id: str,
    revoked_at: datetime,
    revoked_reason: str,
    at: datetime,
    actor: str,
) -> None:
    """Record a hand-over token issued for a revoked device."""
    connection.execute(
        device_handovers.insert().values(
            token_hash=token_hash,
            device_id=device_id,
            revoked_at=revoked_at,
            revoked_reason=revoked_reason,
            allowed_at=at,
            allowed_by=actor,
        )
    )


def handover_of_token(connection: Connection, token_hash: str) -> Handover | None:
    """The hand-over this token was issued for, or ``None`` (a plain token)."""
    query = sa.select(device_handovers).where(
        device_handovers.c.token_hash == token_hash
    )
    row = connection.execute(query).first()
    return None if row is None else _handover(row)


def handovers_of(connection: Connection, device_id: str) -> list[Handover]:
    """The device's hand-overs, oldest first (used or not)."""
    query = (
        sa.select(device_handovers)
        .where(device_handovers.c.device_id == device_id)
        .order_by(device_handovers.c.allowed_at, device_handovers.c.token_hash)
    )
    return [_handover(row) for row in connection.execute(query)]


def all_handovers(connection: Connection) -> dict[str, list[Handover]]:
    """Every device's hand-overs, oldest first, by device id."""
    query = sa.select(device_handovers).order_by(
        device_handovers.c.allowed_at, device_handovers.c.token_hash
    )
    found: dict[str, list[Handover]] = {}
    for row in connection.execute(query):
        handover = _handover(row)
        found.setdefault(handover.device_id, []).append(handover)
    return found


def hand_over(
    connection: Connection,
    handover: Handover,
    *,
    name: str,
    technician_id: str,
    role: str,
    secret: str,
    at: datetime,
) -> bool:
    """Give the revoked device its new credentials and lift the revocation;
    ``False`` if it is no longer revoked as it was when the token was issued
    (nothing changed then)."""
    result = connection.execute(
        devices.update()
        .where(
            devices.c.device_id == handover.device_id,
            devices.c.revoked_at == handover.revoked_at,
        )
        .values(
            name=name,
            technician_id=technician_id,
            role=role,
            secret=secret,
            revoked_at=None,
            revoked_reason="",
        )
    )
    if result.rowcount != 1:
        return False
    connection.execute(
        device_handovers.update()
        .where(device_handovers.c.token_hash == handover.token_hash)
        .values(enrolled_at=at, technician_id=technician_id)
    )
    return True


def _handover(row: sa.Row[Any]) -> Handover:
    m = row._mapping
    return Handover(
        token_hash=m["token_hash"],
        device_id=m["device_id"],
        revoked_at=m["revoked_at"],
        revoked_reason=m["revoked_reason"],
        allowed_at=m["allowed_at"],
        allowed_by=m["allowed_by"],
        enrolled_at=m["enrolled_at"],
        technician_id=m["technician_id"],
    )
