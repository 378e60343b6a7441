"""Reconciling one push: idempotent, in sequence order, chain-checked.

One push is one transaction, with the device's row locked, so pushes of one
device apply one after another even across service processes:

1. Every key pushed before must come with the same content, else the whole
   push is refused (409, nothing applied). Keys seen before get their stored
   result back: a retry applies nothing twice.
2. New actions join the actions held for a gap, and the links of actions the
   device did not send (denied, cancelled, still waiting on the device); the
   centre walks the chain from the last link it verified: each next link must
   name its predecessor's hash and hash to its own. A broken link is
   quarantined with the reason, and the chain goes on from it.
3. Each action reached is re-validated (see :mod:`sync.server.revalidation`);
   an action beyond a gap is ``held`` until the missing number arrives. One
   recorded between a revocation and the device's hand-over is quarantined
   for review (:mod:`sync.server.handover`).
4. Results get the device's next result ids; applied actions are queued for
   the connector in the same transaction, so none is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from sync.chain import link_content, row_hash
from sync.protocol import ActionResult, PushRequest, PushResponse, WireAction, WireLink
from sync.server.centre_kb import KbCache
from sync.server.centre_policy import PolicyCache
from sync.server.errors import DeviceRevoked, NotAuthenticated, PayloadConflict
from sync.server.handover import after_revocation, revoked_message
from sync.server.kb_check import KbNow
from sync.server.records import (
    CENTRE,
    Clock,
    DeviceRecord,
    Handover,
    StoredResult,
    Verdict,
)
from sync.server.revalidation import CentrePolicy, DeviceContext, revalidate
from sync.server.storage import Storage, devices, fleet, handovers
from sync.server.storage import actions as store
from sync.server.storage.actions import Settled
from sync.server.world_check import JobBookNow

PushObserver = Callable[[int, Sequence[Settled], float], None]
"""Told after each push: how many actions, their new outcomes, seconds taken."""


@dataclass(slots=True)
class _Walk:
    """The chain walk of one push: where it stands and what it decided."""

    seq: int
    hash: str
    next_result: int
    decided: list[Settled] = field(default_factory=list)

    def number(self, verdict: Verdict) -> int:
        if verdict.status == "held":
            return 0
        self.next_result += 1
        return self.next_result


class Reconciler:
    """Applies pushes for authenticated devices.

    Args:
        storage: The service's storage.
        clock: The service's clock.
        policies: The centre's policy cache.
        observe: Told about each push (metrics, waking the delivery worker).
        kb: The centre's current KB, which actions are checked against.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        policies: PolicyCache,
        observe: PushObserver | None = None,
        kb: KbCache | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._policies = policies
        self._observe = observe
        self._kb = kb or KbCache()

    def push(self, device_id: str, request: PushRequest) -> PushResponse:
        """Apply ``request`` for the device and return a result per action.

        Raises:
            PayloadConflict: a key was pushed before (or twice in this batch)
                with other content; nothing was applied.
            DeviceRevoked: the device was revoked meanwhile.
        """
        started = time.perf_counter()
        batch = _unique(request.actions)
        with self._storage.write() as connection:
            device = _locked_device(connection, device_id)
            stored = store.stored_results(connection, device_id, batch)
            _refuse_conflicts(batch, stored)
            new = [a for key, a in batch.items() if key not in stored]
            walk = self._apply(connection, device, new, request.links)
            store.save_traces(connection, device_id, request.traces, at=self._clock())
            store.advance_device(
                connection,
                device_id,
                chain_seq=walk.seq,
                chain_hash=walk.hash,
                last_result_id=walk.next_result,
                client_version=request.client_version,
            )
        mine = {o.action.key: store.result_of(o) for o in walk.decided}
        results = [mine[key] if key in mine else _stored(stored[key]) for key in batch]
        if self._observe is not None:
            self._observe(len(batch), walk.decided, time.perf_counter() - started)
        return PushResponse(results=results)

    def _apply(
        self,
        connection: Connection,
        device: DeviceRecord,
        new: list[WireAction],
        links: Sequence[WireLink],
    ) -> _Walk:
        now = self._clock()
        store.add_links(connection, device.device_id, links, at=now)
        walk = _Walk(device.chain_seq, device.chain_hash, device.last_result_id)
        held = store.held_actions(connection, device.device_id)
        policy = self._policies.current(connection, device.device_id)
        judge = _Judge(
            device,
            _context(connection, device, self._kb.current(connection)),
            policy,
            self._clock,
            tuple(handovers.handovers_of(connection, device.device_id)),
        )
        waiting = {a.seq: a for a in held}
        late, forks = [], []
        for action in sorted(new, key=lambda a: a.seq):
            if action.seq <= device.chain_seq:
                late.append(action)
            elif action.seq in waiting:
                forks.append(action)
            else:
                waiting[action.seq] = action
        kept = store.links_after(connection, device.device_id, walk.seq)
        fresh = {a.key for a in new}
        self._walk(walk, waiting, kept, judge)
        for action in sorted(waiting.values(), key=lambda a: a.seq):
            verdict = _held(walk.seq, action)
            if action.key in fresh:
                walk.decided.append(Settled(action, verdict, 0, CENTRE))
        for action in late:
            walk.decided.append(self._late(connection, device, action, judge, walk))
        for action in forks:
            verdict = judge(action, _fork(action.seq))
            walk.decided.append(Settled(action, verdict, walk.number(verdict), CENTRE))
        inserted = [o for o in walk.decided if o.action.key in fresh]
        updated = [o for o in walk.decided if o.action.key not in fresh]
        store.add_actions(connection, device, inserted, at=now)
        store.update_results(connection, device.device_id, updated, at=now)
        store.add_decisions(connection, device.device_id, walk.decided, at=now)
        applied = [o.action.key for o in walk.decided if o.verdict.status == "applied"]
        store.add_deliveries(connection, device.device_id, applied, at=now)
        return walk

    @staticmethod
    def _walk(
        walk: _Walk,
        waiting: dict[int, WireAction],
        kept: dict[int, WireLink],
        judge: _Judge,
    ) -> None:
        carried: str | None = None
        while True:
            expected = walk.seq + 1
            action = waiting.pop(expected, None)
            if action is not None:
                problem = carried or _link_problem(judge.device_id, action, walk.hash)
                verdict = judge(action, problem)
                walk.decided.append(
                    Settled(action, verdict, walk.number(verdict), CENTRE)
                )
                walk.seq, walk.hash, carried = expected, action.row_hash, None
                continue
            link = kept.get(expected)
            if link is None:
                return
            if link.prev_hash != walk.hash:
                carried = (
                    f"The hash chain breaks at the unsent action {link.seq} "
                    f"({link.state}) before it: it does not name its predecessor"
                )
            walk.seq, walk.hash = expected, link.row_hash

    def _late(
        self,
        connection: Connection,
        device: DeviceRecord,
        action: WireAction,
        judge: _Judge,
        walk: _Walk,
    ) -> Settled:
        """An action whose place in the chain was passed already: allowed only
        when that place was an unsent action's link with this very hash."""
        link = store.links_at(connection, device.device_id, [action.seq]).get(
            action.seq
        )
        if link is None or link.row_hash != action.row_hash:
            verdict = judge(action, _fork(action.seq))
        else:
            verdict = judge(action, _content_problem(judge.device_id, action))
        return Settled(action, verdict, walk.number(verdict), CENTRE)


@dataclass(frozen=True, slots=True)
class _Judge:
    """Re-validates actions of one device under one policy."""

    device: DeviceRecord
    context: DeviceContext
    policy: CentrePolicy | None
    clock: Clock
    handovers: tuple[Handover, ...] = ()

    @property
    def device_id(self) -> str:
        return self.device.device_id

    def __call__(self, action: WireAction, chain_problem: str | None) -> Verdict:
        verdict = revalidate(
            action,
            context=self.context,
            policy=self.policy,
            now=self.clock(),
            chain_problem=chain_problem,
        )
        suspect = after_revocation(action.created_at, self.handovers)
        if suspect is None or verdict.status == "rejected":
            return verdict
        reasons = (
            [suspect] if verdict.status == "applied" else [suspect, verdict.reason]
        )
        return Verdict("quarantined", "; ".join(reasons), verdict.centre_decision)


def _unique(actions: Sequence[WireAction]) -> dict[str, WireAction]:
    batch: dict[str, WireAction] = {}
    for action in actions:
        seen = batch.get(action.key)
        if seen is not None and store.content_digest(seen) != store.content_digest(
            action
        ):
            raise _conflict(action.key)
        batch[action.key] = action
    return batch


def _refuse_conflicts(
    batch: dict[str, WireAction], stored: dict[str, StoredResult]
) -> None:
    for key, result in stored.items():
        if result.content_digest != store.content_digest(batch[key]):
            raise _conflict(key)


def _conflict(key: str) -> PayloadConflict:
    return PayloadConflict(
        f"The action {key} was pushed before with different content; the same "
        "idempotency key cannot carry another action. Nothing of this push was "
        "applied.",
        title="Idempotency key reused",
        record_id=key,
    )


def _locked_device(connection: Connection, device_id: str) -> DeviceRecord:
    device = devices.device(connection, device_id, lock=True)
    if device is None:
        raise NotAuthenticated(f"Device {device_id} is not enrolled here.")
    if device.revoked:
        raise DeviceRevoked(revoked_message(device), record_id=device_id)
    return device


def _context(connection: Connection, device: DeviceRecord, kb: KbNow) -> DeviceContext:
    book = fleet.job_book(connection, device.device_id)
    document = book[1] if book is not None and isinstance(book[1], dict) else {}
    jobs = _by_id(document.get("jobs"), "job_id")
    assets = _by_id(document.get("assets"), "asset_id")
    return DeviceContext(
        device.technician_id,
        device.role,
        jobs,
        JobBookNow(
            book[0] if book else 0,
            fleet.job_book_assigned_at(connection, device.device_id),
            jobs,
            assets,
        ),
        kb,
    )


def _by_id(items: object, key: str) -> dict[str, dict[str, Any]]:
    """The records of a job book's list that carry a text ``key``, by it."""
    if not isinstance(items, list):
        return {}
    return {
        item[key]: item
        for item in items
        if isinstance(item, dict) and isinstance(item.get(key), str)
    }


def _link_problem(device_id: str, action: WireAction, prev: str) -> str | None:
    if action.prev_hash != prev:
        return (
            f"The hash chain breaks at action {action.seq}: it does not name the "
            "hash of the action before it"
        )
    return _content_problem(device_id, action)


def _content_problem(device_id: str, action: WireAction) -> str | None:
    fields = {**action.model_dump(), "device_id": device_id}
    if row_hash(action.prev_hash, link_content(fields)) != action.row_hash:
        return (
            f"The hash chain breaks at action {action.seq}: its content does not "
            "hash to its recorded hash (changed after recording)"
        )
    return None


def _fork(seq: int) -> str:
    return (
        f"Sequence number {seq} was already used by another action of this "
        "device (its outbox was restored or forked)"
    )


def _held(chain_seq: int, action: WireAction) -> Verdict:
    first = chain_seq + 1
    missing = str(first) if first == action.seq - 1 else f"{first} to {action.seq - 1}"
    return Verdict(
        "held",
        f"Held: the centre is waiting for action {missing} from the device before "
        "it applies this one, in order.",
    )


def _stored(result: StoredResult) -> ActionResult:
    return ActionResult(
        key=result.key,
        seq=result.seq,
        status=result.status,
        reason=result.reason,
        decision=dict(result.centre_decision) if result.centre_decision else None,
        result_id=result.result_id,
    )
