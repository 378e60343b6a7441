"""Which device runs which release, and how far the newest one has come.

A device runs a release when the policy version, KB version and model file
hash it reported at its last pull are the release's (the newest such release
when several match); the centre records since which pull. For the newest
release the view says how many of the active (not revoked) devices run it
and, once all do, how long after the release (or rollback) the last one
converged. One view for the command line and any other front end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from sync.server.errors import RecordNotFound
from sync.server.records import DeviceRecord
from sync.server.releases.gating import Override, override_in_force
from sync.server.storage import Storage, devices
from sync.server.storage import releases as stored
from sync.server.storage.evaluation_reports import GateRecord, gate_records
from sync.server.storage.releases import Release


@dataclass(frozen=True, slots=True)
class ReleaseCount:
    """A release of the history, with how many active devices run it."""

    release: Release
    devices: int


@dataclass(frozen=True, slots=True)
class ReleaseHistory:
    """Every release, newest first, and the active devices that run none."""

    releases: tuple[ReleaseCount, ...]
    without_release: tuple[DeviceRecord, ...]
    gates: Mapping[int, GateRecord] = field(default_factory=dict)
    """How each release passed the gate (a rollback and a release made
    before the gate have none)."""
    override: Override | None = None
    """The override whose content the newest release ships, if any."""


@dataclass(frozen=True, slots=True)
class ReleaseState:
    """One release: its parts and the devices that run it.

    Attributes:
        release: The release.
        newest: Whether it is the newest (the one devices are sent).
        running: The active devices that run it, in enrolment order.
        active: How many devices are enrolled and not revoked.
        rolled_back: For a rollback, the release it rolled back.
        restored: For a rollback, the release whose content it restores.
        gate: How it passed the gate (``None``: a rollback, or made
            before the gate).
        override: The override whose content the newest release ships.
    """

    release: Release
    newest: bool
    running: tuple[DeviceRecord, ...]
    active: int
    rolled_back: Release | None = None
    restored: Release | None = None
    gate: GateRecord | None = None
    override: Override | None = None

    @property
    def converged(self) -> bool:
        """Whether every active device runs it (there is at least one)."""
        return 0 < self.active == len(self.running)

    @property
    def last_converged_at(self) -> datetime | None:
        """When the last device running it was first seen running it."""
        times = [d.release_since for d in self.running if d.release_since]
        return max(times, default=None)

    @property
    def convergence(self) -> timedelta | None:
        """From the release (or rollback) to the last device converged, once
        every active device runs it; ``None`` before."""
        last = self.last_converged_at
        if not self.converged or last is None:
            return None
        return max(last - self.release.created_at, timedelta(0))


def release_history(storage: Storage) -> ReleaseHistory:
    """Every release, newest first, with how many active devices run each."""
    with storage.read() as connection:
        history = stored.all_releases(connection)
        counts = stored.running_counts(connection)
        records = devices.all_devices(connection)
        gates = gate_records(connection)
        override = override_in_force(connection)
    known = {release.release_id for release in history}
    return ReleaseHistory(
        tuple(ReleaseCount(r, counts.get(r.release_id, 0)) for r in history),
        tuple(d for d in records if not d.revoked and d.release_id not in known),
        gates,
        override,
    )


def release_state(storage: Storage, name_or_id: str | None = None) -> ReleaseState:
    """A release (the newest when not named) and the devices that run it.

    Raises:
        RecordNotFound: no release of that name or number, or none at all.
    """
    with storage.read() as connection:
        newest = stored.newest_release(connection)
        release = (
            newest
            if name_or_id is None
            else stored.find_release(connection, name_or_id)
        )
        if release is None:
            raise RecordNotFound(
                "No release has been made yet (edge-governance release create)."
                if name_or_id is None
                else f"No release is named or numbered {name_or_id}.",
                record_id=name_or_id,
            )
        rolled_back = _maybe(connection, release.rollback_of)
        restored = _maybe(connection, release.restores)
        records = [d for d in devices.all_devices(connection) if not d.revoked]
        gate = gate_records(connection, [release.release_id]).get(release.release_id)
        override = override_in_force(connection)
    return ReleaseState(
        release,
        newest is not None and newest.release_id == release.release_id,
        tuple(d for d in records if d.release_id == release.release_id),
        len(records),
        rolled_back,
        restored,
        gate,
        override,
    )


def _maybe(connection: Connection, release_id: int | None) -> Release | None:
    if release_id is None:
        return None
    return stored.find_release(connection, str(release_id))
