"""The supervisors' review queue: approve or reject quarantined actions.

A verdict is a new result in the device's result stream (the device sees it on
its next pull) and a row in the decision history naming the supervisor. An
approved action is queued for the connector in the same transaction.
"""

from __future__ import annotations

from typing import Literal

from sync.server.errors import Conflict, RecordNotFound
from sync.server.records import Clock, ReviewItem, StoredResult
from sync.server.storage import Storage, actions, devices
from sync.server.storage import review as store
from sync.server.storage.audit import record_event


class Review:
    """The review queue.

    Args:
        storage: The service's storage.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, *, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def pending(self, *, device_id: str | None = None) -> list[ReviewItem]:
        """Quarantined actions waiting for a supervisor, oldest first."""
        with self._storage.read() as connection:
            return store.quarantined(connection, device_id=device_id)

    def approve(
        self,
        key: str,
        *,
        supervisor: str,
        reason: str = "",
        device_id: str | None = None,
    ) -> StoredResult:
        """Apply a quarantined action on a supervisor's word.

        Raises:
            RecordNotFound: no action has this key (on that device).
            Conflict: the key is on several devices (name one), or the action
                is not quarantined.
        """
        text = f"Approved by {supervisor}" + (f": {reason}" if reason else ".")
        return self._resolve(key, "applied", text, supervisor, device_id)

    def reject(
        self, key: str, *, supervisor: str, reason: str, device_id: str | None = None
    ) -> StoredResult:
        """Refuse a quarantined action, with the reason the technician will read.

        Raises:
            RecordNotFound: no action has this key (on that device).
            Conflict: the key is on several devices, or it is not quarantined.
        """
        return self._resolve(
            key,
            "rejected",
            f"Rejected by {supervisor}: {reason}",
            supervisor,
            device_id,
        )

    def _resolve(
        self,
        key: str,
        status: Literal["applied", "rejected"],
        reason: str,
        supervisor: str,
        device_id: str | None,
    ) -> StoredResult:
        now = self._clock()
        with self._storage.write() as connection:
            owner = _owner(store.devices_with_key(connection, key, device_id), key)
            device = devices.device(connection, owner, lock=True)
            assert device is not None
            before = store.current(connection, owner, key)
            if before.status != "quarantined":
                raise Conflict(
                    f"Action {key} is {before.status}, not quarantined; only "
                    "quarantined actions are reviewed.",
                    record_id=key,
                )
            result_id = device.last_result_id + 1
            store.resolve(
                connection,
                device_id=owner,
                key=key,
                seq=before.seq,
                status=status,
                reason=reason,
                result_id=result_id,
                actor=f"supervisor:{supervisor}",
                at=now,
            )
            if status == "applied":
                actions.add_deliveries(connection, owner, [key], at=now)
            record_event(
                connection,
                at=now,
                actor=f"supervisor:{supervisor}",
                event=f"review_{'approved' if status == 'applied' else 'rejected'}",
                detail={"device_id": owner, "key": key, "reason": reason},
            )
            return store.current(connection, owner, key)


def _owner(found: list[str], key: str) -> str:
    if not found:
        raise RecordNotFound(
            f"No action {key} was pushed to the centre.", record_id=key
        )
    if len(found) > 1:
        raise Conflict(
            f"Action key {key} is on several devices ({', '.join(sorted(found))}); "
            "name the device with --device.",
            record_id=key,
        )
    return found[0]
