"""Devices' journals at the centre: how the assistant was used, and every
decision, denied ones included.

A device sends its journal after its actions (:mod:`sync.journal`); each
entry is stored once, keyed by the device and the trace or action, so a batch
sent again changes nothing. Turns and decisions are kept for the retention
the settings give; a trace an action at the centre names stays with it.
"""

from __future__ import annotations

from datetime import timedelta

from sync.protocol import JournalRequest, JournalResponse
from sync.server.records import Clock, DeviceRecord
from sync.server.storage import Storage
from sync.server.storage import journal as store


class Journal:
    """Stores journals and forgets them after the retention.

    Args:
        storage: The service's storage.
        clock: The service's clock.
        retention: How long turns and decisions are kept.
    """

    def __init__(self, storage: Storage, *, clock: Clock, retention: timedelta) -> None:
        self._storage = storage
        self._clock = clock
        self._retention = retention

    def record(self, device: DeviceRecord, request: JournalRequest) -> JournalResponse:
        """Store the entries; the reply names the highest place now held."""
        entries = request.entries
        with self._storage.write() as connection:
            ids = [entry.trace.trace_id for entry in entries]
            known = store.known_traces(connection, device.device_id, ids)
            place = (
                store.store_entries(
                    connection,
                    device.device_id,
                    device.technician_id,
                    entries,
                    at=self._clock(),
                )
                if entries
                else device.journal_place
            )
        return JournalResponse(stored_through=place, new=len(set(ids) - known))

    def prune(self) -> int:
        """Forget what is older than the retention; returns how many rows."""
        with self._storage.write() as connection:
            return store.prune_journal(connection, self._clock() - self._retention)
