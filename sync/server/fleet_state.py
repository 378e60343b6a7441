"""The fleet's state at the centre: each device, its versions, its actions
and the kill switches in force for it.

One view for the command line (``device list|show``, ``kill-switch list``)
and the console (the fleet a page at a time, what a kill switch would stop,
how far the newest release has come): they render, this reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync.server.errors import RecordNotFound
from sync.server.records import DeviceRecord, Handover
from sync.server.storage import Storage, devices, handovers
from sync.server.storage import fleet_listing as listing
from sync.server.storage.figures import statuses_by_device
from sync.server.storage.fleet import KillSwitch, Scope, kill_switches_on
from sync.server.storage.fleet_listing import DeviceChoice, FleetOrder
from sync.server.storage.releases import Release, newest_release


@dataclass(frozen=True, slots=True)
class DeviceState:
    """One device as the centre sees it.

    Attributes:
        record: The enrolment record, with the versions it last reported.
        actions: Its actions at the centre, counted by status.
        switches: The kill switches that stop its actions (its own, its
            technician's and the fleet's); tool switches are listed apart, as
            they stop one tool.
        handovers: Its hand-overs after revocations, oldest first.
    """

    record: DeviceRecord
    actions: Mapping[str, int]
    switches: tuple[KillSwitch, ...]
    handovers: tuple[Handover, ...] = ()

    @property
    def state(self) -> str:
        """``revoked``, ``switched off`` or ``active``."""
        if self.record.revoked:
            return "revoked"
        return "switched off" if self.switches else "active"


@dataclass(frozen=True, slots=True)
class FleetState:
    """Every device, and the switches in force."""

    devices: tuple[DeviceState, ...]
    switches: tuple[KillSwitch, ...]


def fleet_state(storage: Storage) -> FleetState:
    """Every enrolled device (revoked ones too) and every switch in force."""
    with storage.read() as connection:
        records = devices.all_devices(connection)
        counts = statuses_by_device(connection)
        switches = kill_switches_on(connection)
        handed = handovers.all_handovers(connection)
    return FleetState(
        tuple(
            _state(r, counts.get(r.device_id, {}), switches, handed.get(r.device_id))
            for r in records
        ),
        tuple(switches),
    )


def device_state(storage: Storage, device_id: str) -> DeviceState:
    """One device's state.

    Raises:
        RecordNotFound: no such device was ever enrolled.
    """
    with storage.read() as connection:
        record = devices.device(connection, device_id)
        if record is None:
            raise RecordNotFound(
                f"No device {device_id} is enrolled.", record_id=device_id
            )
        counts = statuses_by_device(connection, device_id).get(device_id, {})
        switches = kill_switches_on(connection)
        handed = handovers.handovers_of(connection, device_id)
    return _state(record, counts, switches, handed)


def _state(
    record: DeviceRecord,
    counts: Mapping[str, int],
    switches: Sequence[KillSwitch],
    handed: Sequence[Handover] | None = None,
) -> DeviceState:
    stopping = tuple(
        s for s in switches if s.stops(record.device_id, record.technician_id)
    )
    return DeviceState(record, dict(counts), stopping, tuple(handed or ()))


@dataclass(frozen=True, slots=True)
class FleetPage:
    """A page of the fleet: the chosen devices, sorted.

    Attributes:
        devices: The devices on this page.
        total: How many devices are chosen in all.
        switches: Every kill switch in force.
        release_names: The names of the releases these devices run.
    """

    devices: tuple[DeviceState, ...]
    total: int
    switches: tuple[KillSwitch, ...]
    release_names: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class Convergence:
    """How far the newest release has come across the active devices.

    Attributes:
        newest: The newest release (``None``: none made yet).
        running: Active devices that run it.
        active: Devices enrolled and not revoked.
        last_at: When the last of them was first seen running it.
    """

    newest: Release | None
    running: int
    active: int
    last_at: datetime | None

    @property
    def converged(self) -> bool:
        """Whether every active device runs it (there is at least one)."""
        return self.newest is not None and 0 < self.active == self.running

    @property
    def took(self) -> timedelta | None:
        """From the release to the last device converged, once all have."""
        if not self.converged or self.newest is None or self.last_at is None:
            return None
        return max(self.last_at - self.newest.created_at, timedelta(0))


MAX_FLEET_PAGE = 500
"""Most devices one page of the fleet holds."""


def fleet_page(
    storage: Storage,
    choice: DeviceChoice,
    *,
    order: FleetOrder = "device",
    offset: int = 0,
    limit: int = 50,
) -> FleetPage:
    """The chosen devices, ``limit`` from ``offset`` in ``order``, with their
    actions counted and the switches that stop each."""
    limit = max(1, min(limit, MAX_FLEET_PAGE))
    with storage.read() as connection:
        switches = kill_switches_on(connection)
        records = listing.devices_page(
            connection,
            choice,
            switches,
            order=order,
            offset=max(0, offset),
            limit=limit,
        )
        total = listing.count_devices(connection, choice, switches)
        counts = listing.statuses_of(connection, [r.device_id for r in records])
        names = listing.release_names(connection, [r.release_id for r in records])
    return FleetPage(
        tuple(_state(r, counts.get(r.device_id, {}), switches) for r in records),
        total,
        tuple(switches),
        names,
    )


def switches_on(storage: Storage) -> tuple[KillSwitch, ...]:
    """Every kill switch in force."""
    with storage.read() as connection:
        return tuple(kill_switches_on(connection))


def switch_reach(storage: Storage, scope: Scope, target: str) -> int:
    """How many devices (not revoked) a switch of ``scope`` on ``target``
    reaches: those it stops, or for a tool those that lose the tool."""
    with storage.read() as connection:
        return listing.count_reached(connection, scope, target)


def release_convergence(storage: Storage) -> Convergence:
    """The newest release and how many active devices run it."""
    with storage.read() as connection:
        newest = newest_release(connection)
        active = listing.count_active(connection)
        running, last_at = (
            listing.newest_running(connection, newest.release_id)
            if newest is not None
            else (0, None)
        )
    return Convergence(newest, running, active, last_at)


def release_names(storage: Storage, release_ids: Sequence[int]) -> dict[int, str]:
    """The names of these releases (those that exist)."""
    with storage.read() as connection:
        return listing.release_names(connection, release_ids)
