"""The fleet's state at the centre: each device, its versions, its actions
and the kill switches in force for it.

One view for the command line (``device list|show``, ``kill-switch list``)
and any other front end: they render, this reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sync.server.errors import RecordNotFound
from sync.server.records import DeviceRecord, Handover
from sync.server.storage import Storage, devices, handovers
from sync.server.storage.figures import statuses_by_device
from sync.server.storage.fleet import KillSwitch, kill_switches_on


@dataclass(frozen=True, slots=True)
class DeviceState:
    """One device as the centre sees it.

    Attributes:
        record: The enrolment record, with the versions it last reported.
        actions: Its actions at the centre, counted by status.
        switches: The kill switches that stop its actions (its own and the
            fleet's); tool switches are listed apart, as they stop one tool.
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
        s
        for s in switches
        if s.scope == "fleet" or (s.scope == "device" and s.target == record.device_id)
    )
    return DeviceState(record, dict(counts), stopping, tuple(handed or ()))
