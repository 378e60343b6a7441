"""The supervisors' review queue: approve or reject quarantined actions.

A verdict is a new result in the device's result stream (the device sees it on
its next pull) and a row in the decision history naming the supervisor. An
approved action is queued for the connector in the same transaction.

An action is named by its idempotency key or by any unique start of it (at
least :data:`SHORT_ID_CHARS` characters), as the queue shows it. Many actions
can be approved or rejected at once by a :class:`ReviewFilter`, with one
recorded reason; each verdict is its own transaction, so an action that left
the queue meanwhile is skipped and counted, never half-done.

The queue is read in pages (:data:`PAGE_SIZE` actions, keyset on received,
device, sequence and key, with the true count beside); reading or deciding "all" goes
through every page, never stopping at one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from sync.server.errors import Conflict, RecordNotFound, RequestInvalid
from sync.server.records import (
    ActionDetail,
    Clock,
    QueueCursor,
    QueuePage,
    ReviewFilter,
    ReviewItem,
    StoredResult,
)
from sync.server.storage import Storage, actions, devices
from sync.server.storage import review as store
from sync.server.storage.audit import record_event

SHORT_ID_CHARS = 6
"""Fewest characters of a key that name an action; the queue shows eight."""

PAGE_SIZE = 100
"""Actions on one page of the queue."""

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

    def page(
        self,
        selection: ReviewFilter | None = None,
        *,
        after: QueueCursor | None = None,
        size: int = PAGE_SIZE,
    ) -> QueuePage:
        """One page of the quarantined actions the filter selects, oldest
        first, starting after ``after``, with how many it selects in all."""
        wanted = selection or ReviewFilter()
        now = self._clock()
        with self._storage.read() as connection:
            items = store.quarantined(
                connection, wanted, now=now, limit=size + 1, after=after
            )
            total = store.count_quarantined(connection, wanted, now=now)
        shown = tuple(items[:size])
        following = QueueCursor.of(shown[-1]) if len(items) > size else None
        return QueuePage(shown, total, following)

    def count(self, selection: ReviewFilter | None = None) -> int:
        """How many quarantined actions the filter selects."""
        with self._storage.read() as connection:
            return store.count_quarantined(
                connection, selection or ReviewFilter(), now=self._clock()
            )

    def each_pending(
        self, selection: ReviewFilter | None = None, *, limit: int | None = None
    ) -> Iterator[ReviewItem]:
        """Every quarantined action the filter selects (or the first
        ``limit``), oldest first, read a page at a time."""
        wanted = selection or ReviewFilter()
        after: QueueCursor | None = None
        left = limit
        while left is None or left > 0:
            size = PAGE_SIZE if left is None else min(PAGE_SIZE, left)
            now = self._clock()
            with self._storage.read() as connection:
                items = store.quarantined(
                    connection, wanted, now=now, limit=size, after=after
                )
            yield from items
            if len(items) < size:
                return
            after = QueueCursor.of(items[-1])
            left = None if left is None else left - len(items)

    def pending(
        self, selection: ReviewFilter | None = None, *, limit: int | None = None
    ) -> list[ReviewItem]:
        """Every quarantined action the filter selects (or the first
        ``limit``), oldest first."""
        return list(self.each_pending(selection, limit=limit))

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
        expected: int | None = None,
    ) -> BulkVerdict:
        """Give every quarantined action the filter selects the same verdict,
        however many; with ``expected``, only if the filter still selects
        that many (the count the supervisor confirmed).

        Raises:
            RequestInvalid: a rejection without a reason.
            Conflict: the filter now selects another number of actions than
                ``expected``; nothing was decided.
        """
        if verdict == "rejected" and not reason:
            raise RequestInvalid("A rejection needs a reason the technician reads.")
        targets = [(i.device_id, i.key) for i in self.each_pending(selection)]
        if expected is not None and len(targets) != expected:
            raise Conflict(
                f"The filter now selects {len(targets)} quarantined action(s), not "
                f"the {expected} confirmed: the queue changed meanwhile. Nothing "
                "was decided; look at the queue again and decide anew."
            )
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
