"""Which release a turn ran, as far as the centre can tell.

Turns do not name their release; the centre knows each device's release
since its last pull that changed it (``devices.release_id`` and
``release_since``). So a turn is put under:

1. the device's current release, when the turn started after the device
   began running it;
2. else the newest release made of the versions the turn itself records
   (the policy version of a decision and the model file's SHA-256 of a model
   call), when it records any and a release matches them;
3. else :data:`~sync.server.drift.report.UNKNOWN_RELEASE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.drift.report import UNKNOWN_RELEASE
from sync.server.drift.turn_facts import TurnFacts
from sync.server.storage import releases as stored
from sync.server.storage.releases import Release
from sync.server.storage.schema import devices


@dataclass(frozen=True, slots=True)
class _Running:
    name: str
    since_ns: int


class ReleasesSeen:
    """Resolves turns to release names (built once per report)."""

    def __init__(
        self, running: dict[str, _Running], releases: Sequence[Release]
    ) -> None:
        self._running = running
        self._newest_first = sorted(releases, key=lambda r: -r.release_id)
        self._by_parts: dict[tuple[int, str], str] = {}

    @classmethod
    def load(cls, connection: Connection) -> ReleasesSeen:
        every = stored.all_releases(connection)
        names = {release.release_id: release.name for release in every}
        query = sa.select(
            devices.c.device_id, devices.c.release_id, devices.c.release_since
        ).where(devices.c.release_id != 0)
        running = {
            row.device_id: _Running(names[row.release_id], _ns(row.release_since))
            for row in connection.execute(query)
            if row.release_id in names and row.release_since is not None
        }
        return cls(running, every)

    @property
    def names(self) -> list[str]:
        """Every release's name, oldest first."""
        return [release.name for release in reversed(self._newest_first)]

    def release_of(self, device_id: str, start_ns: int, facts: TurnFacts) -> str:
        running = self._running.get(device_id)
        if running is not None and start_ns >= running.since_ns:
            return running.name
        if not facts.policy_version and not facts.model_sha256:
            return UNKNOWN_RELEASE
        parts = (facts.policy_version, facts.model_sha256)
        if parts not in self._by_parts:
            self._by_parts[parts] = self._matching(*parts)
        return self._by_parts[parts]

    def _matching(self, policy_version: int, model_sha256: str) -> str:
        for release in self._newest_first:
            if policy_version and release.policy_version != policy_version:
                continue
            if model_sha256 and release.model_sha256 != model_sha256:
                continue
            return release.name
        return UNKNOWN_RELEASE


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
