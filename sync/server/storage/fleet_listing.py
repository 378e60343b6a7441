"""SQL for reading the fleet a page at a time: devices chosen by state,
technician or name, their actions counted, and how many devices a kill
switch stops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from sync.server.records import DeviceRecord
from sync.server.storage.devices import device_from_row
from sync.server.storage.fleet import KillSwitch, Scope
from sync.server.storage.schema import actions, devices, releases

DeviceState = Literal["active", "switched off", "revoked"]
"""A device's state at the centre, as the fleet shows it."""
FleetOrder = Literal["device", "technician", "last_seen", "queue"]
"""How a fleet page is sorted: device id, technician, latest seen first, or
longest queue first."""


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    """Which devices a fleet page lists (``None``: any).

    Attributes:
        state: Only devices in this state.
        technician_id: Only this technician's devices.
        text: Only devices whose id or name holds this text.
        refused: Only devices that refused an update at their last sync.
    """

    state: DeviceState | None = None
    technician_id: str | None = None
    text: str | None = None
    refused: bool = False


def devices_page(
    connection: Connection,
    choice: DeviceChoice,
    switches: Sequence[KillSwitch],
    *,
    order: FleetOrder,
    offset: int,
    limit: int,
) -> list[DeviceRecord]:
    """The chosen devices, sorted, ``limit`` of them from ``offset``."""
    query = (
        sa.select(devices)
        .where(*_conditions(choice, switches))
        .order_by(*_ordering(order))
        .offset(offset)
        .limit(limit)
    )
    return [device_from_row(row) for row in connection.execute(query)]


def count_devices(
    connection: Connection, choice: DeviceChoice, switches: Sequence[KillSwitch]
) -> int:
    """How many devices are chosen."""
    query = sa.select(sa.func.count()).select_from(devices)
    return int(connection.scalar(query.where(*_conditions(choice, switches))) or 0)


def statuses_of(
    connection: Connection, device_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """These devices' actions at the centre, counted by status."""
    if not device_ids:
        return {}
    query = (
        sa.select(actions.c.device_id, actions.c.status, sa.func.count())
        .where(actions.c.device_id.in_(list(device_ids)))
        .group_by(actions.c.device_id, actions.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for device_id, status, n in connection.execute(query):
        counts.setdefault(device_id, {})[status] = int(n)
    return counts


def count_reached(connection: Connection, scope: Scope, target: str) -> int:
    """How many devices (not revoked) a switch of ``scope`` and ``target``
    reaches: a tool's reaches every device, as each loses that tool."""
    query = sa.select(sa.func.count()).where(devices.c.revoked_at.is_(None))
    if scope == "device":
        query = query.where(devices.c.device_id == target)
    elif scope == "technician":
        query = query.where(devices.c.technician_id == target)
    return int(connection.scalar(query) or 0)


def newest_running(
    connection: Connection, release_id: int
) -> tuple[int, datetime | None]:
    """How many devices (not revoked) run the release, and when the last of
    them was first seen running it."""
    row = connection.execute(
        sa.select(sa.func.count(), sa.func.max(devices.c.release_since)).where(
            devices.c.revoked_at.is_(None), devices.c.release_id == release_id
        )
    ).one()
    return int(row[0] or 0), row[1]


def count_active(connection: Connection) -> int:
    """How many devices are enrolled and not revoked."""
    query = sa.select(sa.func.count()).where(devices.c.revoked_at.is_(None))
    return int(connection.scalar(query) or 0)


def release_names(connection: Connection, release_ids: Sequence[int]) -> dict[int, str]:
    """The names of these releases."""
    wanted = [r for r in set(release_ids) if r]
    if not wanted:
        return {}
    query = sa.select(releases.c.release_id, releases.c.name).where(
        releases.c.release_id.in_(wanted)
    )
    return {int(r): str(name) for r, name in connection.execute(query)}


def _conditions(
    choice: DeviceChoice, switches: Sequence[KillSwitch]
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if choice.technician_id:
        found.append(devices.c.technician_id == choice.technician_id)
    if choice.text:
        found.append(
            sa.or_(
                devices.c.device_id.contains(choice.text, autoescape=True),
                devices.c.name.contains(choice.text, autoescape=True),
            )
        )
    if choice.refused:
        found.append(devices.c.refused_updates != "[]")
    if choice.state == "revoked":
        found.append(devices.c.revoked_at.is_not(None))
    elif choice.state is not None:
        stopped = _stopped(switches)
        found.append(devices.c.revoked_at.is_(None))
        found.append(stopped if choice.state == "switched off" else sa.not_(stopped))
    return found


def _stopped(switches: Sequence[KillSwitch]) -> ColumnElement[bool]:
    """Devices a switch in force stops (every action, not one tool)."""
    if any(s.scope == "fleet" for s in switches):
        return sa.true()
    device_ids = [s.target for s in switches if s.scope == "device"]
    technicians = [s.target for s in switches if s.scope == "technician"]
    return sa.or_(
        sa.false(),
        devices.c.device_id.in_(device_ids),
        devices.c.technician_id.in_(technicians),
    )


def _ordering(order: FleetOrder) -> list[Any]:
    by_id = devices.c.device_id
    if order == "technician":
        return [devices.c.technician_id, by_id]
    if order == "last_seen":
        return [devices.c.last_seen_at.desc().nulls_last(), by_id]
    if order == "queue":
        return [devices.c.queue_depth.desc(), by_id]
    return [by_id]
