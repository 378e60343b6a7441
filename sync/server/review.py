"""The supervisors' review queue: approve or reject quarantined actions.

A verdict is a new result in the device's result stream (the device sees it on
its next pull) and a row in the decision history naming the supervisor. An
approved action is queued for the connector in the same transaction.

An action is named by its idempotency key or by any unique start of it (at
least :data:`SHORT_ID_CHARS` characters), as the queue shows it. Many actions
can be approved or rejected at once by a :class:`ReviewFilter`, with one
recorded reason; each verdict is its own transaction, so an action that left
the queue meanwhile is skipped and counted, never half-done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sync.server.errors import Conflict, RecordNotFound, RequestInvalid
from sync.server.records import (
    ActionDetail,
    Clock,
    ReviewFilter,
    ReviewItem,
    StoredResult,
)
from sync.server.storage import Storage, actions, devices
from sync.server.storage import review as store
from sync.server.storage.audit import record_event

SHORT_ID_CHARS = 6
"""Fewest characters of a key that name an action; the queue shows eight."""

Verdict = Literal["applied", "rejected"]


@dataclass(frozen=True, slots=True)
class BulkVerdict:
    """What one bulk approval or rejection did.

    Attributes:
        resolved: The actions given the verdict.
        skipped: Keys that left the queue before their turn came.
    """

    resolved: tuple[StoredResult, ...]
    skipped: tuple[str, ...]


class Review:
    """The review queue.

    Args:
        storage: The service's storage.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, *, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def pending(self, selection: ReviewFilter | None = None) -> list[ReviewItem]:
        """Quarantined actions the filter selects (all by default), oldest first."""
        with self._storage.read() as connection:
            return store.quarantined(
                connection, selection or ReviewFilter(), now=self._clock()
            )

    def show(self, ref: str, *, device_id: str | None = None) -> ActionDetail:
        """One action, named by its key or a unique start of it.

        Raises:
            RecordNotFound: no action has such a key (on that device).
            Conflict: several actions do: name more of the key or the device.
            RequestInvalid: fewer than :data:`SHORT_ID_CHARS` characters.
        """
        with self._storage.read() as connection:
            owner, key = _locate(store.keys_starting(connection, ref, device_id), ref)
            return store.detail(connection, owner, key)

    def approve(
        self,
        ref: str,
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
        return self._resolve(
            ref, "applied", _approval(supervisor, reason), supervisor, device_id
        )

    def reject(
        self, ref: str, *, supervisor: str, reason: str, device_id: str | None = None
    ) -> StoredResult:
        """Refuse a quarantined action, with the reason the technician will read.

        Raises:
            RecordNotFound: no action has this key (on that device).
            Conflict: the key is on several devices, or it is not quarantined.
        """
        return self._resolve(
            ref, "rejected", _rejection(supervisor, reason), supervisor, device_id
        )

    def resolve_all(
        self,
        selection: ReviewFilter,
        verdict: Verdict,
        *,
        supervisor: str,
        reason: str,
    ) -> BulkVerdict:
        """Give every quarantined action the filter selects the same verdict.

        Raises:
            RequestInvalid: a rejection without a reason.
        """
        targets = [(item.device_id, item.key) for item in self.pending(selection)]
        return self.resolve_each(targets, verdict, supervisor=supervisor, reason=reason)

    def resolve_each(
        self,
        targets: Sequence[tuple[str, str]],
        verdict: Verdict,
        *,
        supervisor: str,
        reason: str,
    ) -> BulkVerdict:
        """Give each named action, (device, full key), the same verdict; one
        no longer quarantined (decided meanwhile) or gone is skipped.

        Raises:
            RequestInvalid: a rejection without a reason.
        """
        if verdict == "rejected" and not reason:
            raise RequestInvalid("A rejection needs a reason the technician reads.")
        text = (
            _approval(supervisor, reason)
            if verdict == "applied"
            else _rejection(supervisor, reason)
        )
        resolved, skipped = [], []
        for device_id, key in targets:
            try:
                resolved.append(
                    self._resolve(key, verdict, text, supervisor, device_id)
                )
            except (Conflict, RecordNotFound):
                skipped.append(key)  # reviewed by someone else meanwhile
        return BulkVerdict(tuple(resolved), tuple(skipped))

    def _resolve(
        self,
        ref: str,
        status: Verdict,
        reason: str,
        supervisor: str,
        device_id: str | None,
    ) -> StoredResult:
        now = self._clock()
        with self._storage.write() as connection:
            owner, key = _locate(store.keys_starting(connection, ref, device_id), ref)
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


def _approval(supervisor: str, reason: str) -> str:
    return f"Approved by {supervisor}" + (f": {reason}" if reason else ".")


def _rejection(supervisor: str, reason: str) -> str:
    return f"Rejected by {supervisor}: {reason}"


def _locate(found: list[tuple[str, str]], ref: str) -> tuple[str, str]:
    """The one (device, key) ``ref`` names: the exact key, else a unique start."""
    exact = [pair for pair in found if pair[1] == ref]
    if not exact and len(ref) < SHORT_ID_CHARS:
        raise RequestInvalid(
            f"{ref!r} is too short to name an action: give at least "
            f"{SHORT_ID_CHARS} characters of its key."
        )
    candidates = exact or found
    if not candidates:
        raise RecordNotFound(
            f"No action {ref} was pushed to the centre.", record_id=ref
        )
    if len(candidates) == 1:
        return candidates[0]
    devices_named = sorted({device for device, _ in candidates})
    if exact:
        raise Conflict(
            f"Action key {ref} is on several devices ({', '.join(devices_named)}); "
            "name the device with --device.",
            record_id=ref,
        )
    raise Conflict(
        f"{ref} starts several actions' keys "
        f"({', '.join(key for _, key in candidates[:5])}); give more of the key.",
        record_id=ref,
    )
