"""``Outbox``: the device's durable record of proposed actions and turn traces.

An action, its decision, confirmation, evidence and the turn's trace are
written in one SQLite transaction with a new idempotency key and the next
per-device sequence number, so a crash leaves all of it or none of it. Call
:meth:`Outbox.enqueue` inside :meth:`Outbox.atomic` to add other writes to the
same transaction; on its own it commits by itself.

Nothing is deleted, except by :meth:`Outbox.prune_acknowledged`, and only for
actions in a final state that the centre acknowledged.

One ``Outbox`` belongs to one thread (its SQLite connection does). Threads or
processes that need the outbox open their own: write transactions take the
write lock up front, so they queue up rather than fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from sync.errors import InvalidTransition
from sync.outbox import reads, writes
from sync.outbox.db import open_outbox_db, translated, write_transaction
from sync.outbox.encoding import encode_trace, new_action
from sync.outbox.models import (
    ChainHead,
    Clock,
    IdSource,
    QueuedAction,
    TraceRecord,
    new_idempotency_key,
    utc_now,
)
from sync.outbox.reader import OutboxReader
from sync.outbox.rows import format_time
from sync.outbox.states import RESULT_STATES, ActionState


class Outbox(OutboxReader):
    """The outbox on one SQLite database (``outbox.db``): reads and writes.

    Build it with :meth:`open`. Every method translates SQLite failures into
    :class:`~sync.errors.OutboxError` subclasses. Methods that take ``at``
    use the clock when it is not given.
    """

    def __init__(
        self,
        db: Database,
        *,
        device_id: str,
        clock: Clock = utc_now,
        new_id: IdSource = new_idempotency_key,
        where: str = "on the given connection",
    ) -> None:
        super().__init__(db, device_id=device_id, clock=clock, where=where)
        self._new_id = new_id

    @classmethod
    def open(
        cls,
        target: Path | sqlite3.Connection,
        *,
        device_id: str,
        clock: Clock = utc_now,
        new_id: IdSource = new_idempotency_key,
        after: ChainHead | None = None,
    ) -> Outbox:
        """Open the outbox at ``target`` (a file path or a connection), migrating it.

        Args:
            target: ``outbox.db`` (created with its folder if missing), or an
                open connection (tests pass an in-memory one).
            device_id: This device's id. A new outbox records it; an existing
                one must have been created for the same device.
            clock: Gives the time of every record (timezone-aware).
            new_id: Gives each new action its idempotency key.
            after: For a new outbox only: the last link of the outbox it
                replaces, so its numbering and chain go on from there.

        Raises:
            OutboxCorrupt: the file is damaged or not a database; it is left
                untouched.
            OutboxError: it belongs to another device, or cannot be opened.
        """
        where = str(target) if isinstance(target, Path) else "on the given connection"
        db = open_outbox_db(target)
        try:
            with translated(where), write_transaction(db):
                at = format_time(clock())
                writes.claim_device(db, device_id, at=at, where=where, after=after)
        except BaseException:
            if isinstance(target, Path):
                db.close()
            raise
        return cls(db, device_id=device_id, clock=clock, new_id=new_id, where=where)

    @contextmanager
    def atomic(self) -> Iterator[Outbox]:
        """One transaction: everything in the block is written, or nothing.

        The outermost block takes the write lock at once and commits at its
        end; a nested block is a savepoint. An exception rolls the block back.
        """
        with self._translated(), write_transaction(self._db):
            yield self

    # --- the app ---------------------------------------------------------------

    def enqueue(
        self,
        *,
        tool: str,
        action_type: str,
        payload: Mapping[str, Any],
        decision: Mapping[str, Any],
        evidence: Mapping[str, Any],
        trace: Mapping[str, Any],
        confirmation: Mapping[str, Any] | None = None,
        state: ActionState = ActionState.QUEUED,
        actor: str = "device",
        reason: str = "",
    ) -> QueuedAction:
        """Record an action with its decision, evidence and the turn's trace.

        All of it is written in one transaction (the caller's, if one is open)
        with a new idempotency key and the next sequence number, and with its
        first transition (from nothing to ``state``).

        Args:
            tool: The tool the action calls.
            action_type: What kind of change it is (``create``, ``order`` ...).
            payload: The tool's arguments, a JSON object.
            decision: The policy decision, a JSON object.
            evidence: Cited chunks, OCR codes, photo hash, KB version, model id.
            trace: The turn's trace: ``trace_id``, ``name``, ``spans`` and
                optionally ``start_ns`` and ``end_ns``. A trace saved before
                under the same id is replaced (a turn's trace grows).
            confirmation: The technician's confirmation, if the policy asked
                for one. If it holds a ``payload_hash``, that must be
                :func:`sync.chain.payload_hash` of ``payload``.
            state: ``queued`` (the default), ``awaiting_approval``, ``denied``
                or ``proposed``.
            actor: Who recorded it, for the first transition.
            reason: Why it is in ``state``, for the first transition.

        Raises:
            OutboxError: a part is not JSON, the trace is malformed, the
                confirmation is for another payload, or the write failed.
            InvalidTransition: an action cannot start in ``state``.
        """
        action = new_action(
            tool=tool,
            action_type=action_type,
            payload=payload,
            decision=decision,
            confirmation=confirmation,
            evidence=evidence,
            state=state,
        )
        encoded = encode_trace(trace)
        with self.atomic():
            at, key = self._now(), self._new_id()
            writes.store_trace(self._db, encoded, at)
            writes.insert_action(
                self._db,
                action,
                key=key,
                trace_id=encoded.trace_id,
                at=at,
                reason=reason,
            )
            writes.record_transition(
                self._db, key, None, state, at=at, actor=actor, reason=reason
            )
            return reads.get_action(self._db, key)

    def bind_request(
        self, key: str, *, request_key: str | None, request_hash: str
    ) -> QueuedAction:
        """Name the request that recorded the action, so that running the same
        request again finds it (:meth:`recorded_request`, :meth:`latest_request`).

        Call it in the :meth:`atomic` block that recorded the action. It is set
        once and never changes, and a pruned action keeps its request key.

        Args:
            key: The action's idempotency key.
            request_key: The caller's own idempotency key for the request, if
                it gave one; unique in the outbox.
            request_hash: A hash of the request (what was asked, by whom).

        Raises:
            UnknownAction: no action has this key.
            OutboxError: ``request_key`` already names another action, or the
                action already names a request.
        """
        with self.atomic():
            writes.bind_request(
                self._db, key, request_key=request_key, request_hash=request_hash
            )
            return reads.get_action(self._db, key)

    def save_trace(self, trace: Mapping[str, Any]) -> TraceRecord:
        """Store the trace of a turn that queued no action (a question answered).

        A trace saved before under the same id is replaced.

        Raises:
            OutboxError: the trace is malformed, or the write failed.
        """
        encoded = encode_trace(trace)
        with self.atomic():
            writes.store_trace(self._db, encoded, self._now())
            return reads.get_trace(self._db, encoded.trace_id)

    def transition(
        self,
        key: str,
        state: ActionState,
        *,
        actor: str,
        reason: str = "",
        at: datetime | None = None,
    ) -> QueuedAction:
        """Move one action to ``state``, recording who did it and why.

        Raises:
            UnknownAction: no action has this key.
            InvalidTransition: :data:`sync.outbox.states.TRANSITIONS` has no such move.
        """
        with self.atomic():
            moment = self._now(at)
            writes.move(self._db, key, state, at=moment, actor=actor, reason=reason)
            return reads.get_action(self._db, key)

    def cancel(
        self, key: str, *, actor: str, reason: str, at: datetime | None = None
    ) -> QueuedAction:
        """Withdraw an action that has not left the device yet.

        Raises:
            UnknownAction: no action has this key.
            InvalidTransition: it was sent already, or is final.
        """
        return self.transition(
            key, ActionState.CANCELLED, actor=actor, reason=reason, at=at
        )

    # --- the sync runner -------------------------------------------------------

    def mark_sent(
        self, keys: Iterable[str], at: datetime | None = None, *, actor: str = "sync"
    ) -> None:
        """Record that these actions were pushed to the centre (all or none).

        Raises:
            UnknownAction: a key names no action.
            InvalidTransition: an action was not queued or awaiting approval.
        """
        with self.atomic():
            moment = self._now(at)
            for key in keys:
                writes.move(
                    self._db, key, ActionState.SENT, at=moment, actor=actor, reason=""
                )

    def mark_result(
        self,
        key: str,
        state: ActionState,
        reason: str,
        actor: str = "centre",
        *,
        at: datetime | None = None,
    ) -> QueuedAction:
        """Record the centre's result for a sent or quarantined action.

        The same result again changes nothing, so results can be pulled twice.

        Raises:
            UnknownAction: no action has this key.
            InvalidTransition: ``state`` is not a result, or the action cannot
                take it (it was never sent, or is final).
        """
        if state not in RESULT_STATES:
            raise InvalidTransition(
                f"{state} is not a result the centre can give; expected one of "
                f"{', '.join(sorted(RESULT_STATES))}.",
                title="Unknown result",
                record_id=key,
            )
        with self.atomic():
            if reads.current_state(self._db, key) is not state:
                moment = self._now(at)
                writes.move(self._db, key, state, at=moment, actor=actor, reason=reason)
            return reads.get_action(self._db, key)

    def mark_failed(
        self,
        keys: Iterable[str],
        reason: str,
        retry_after: datetime | timedelta,
        *,
        at: datetime | None = None,
        actor: str = "sync",
    ) -> None:
        """Put sent actions back in line after a push that failed (all or none).

        Each returns to the state it was sent from (``queued`` or
        ``awaiting_approval``) with ``reason`` shown, and :meth:`pending`
        leaves it out until ``retry_after`` (a time, or a delay from now).

        Raises:
            UnknownAction: a key names no action.
            InvalidTransition: an action was not ``sent``.
        """
        now = self._clock() if at is None else at
        if isinstance(retry_after, timedelta):
            retry_after = now + retry_after
        moment, not_before = format_time(now), format_time(retry_after)
        with self.atomic():
            for key in keys:
                writes.put_back(
                    self._db,
                    key,
                    at=moment,
                    actor=actor,
                    reason=reason,
                    not_before=not_before,
                )

    def acknowledge(self, keys: Iterable[str], at: datetime | None = None) -> None:
        """Record that the centre durably holds these actions' final states.

        Only acknowledged actions can be pruned. Acknowledging again keeps the
        first time.

        Raises:
            UnknownAction: a key names no action.
            InvalidTransition: an action is not in a final state yet.
        """
        with self.atomic():
            moment = self._now(at)
            for key in keys:
                writes.acknowledge(self._db, key, at=moment)

    def prune_acknowledged(self, before: datetime) -> int:
        """Remove final actions that the centre acknowledged at or before ``before``.

        Their transitions go with them, and their traces when no action left
        refers to them. Each keeps its place in the hash chain (sequence
        number, key and hashes), so :meth:`verify_chain` still covers the rest,
        and its key is never given out again.

        Returns:
            How many actions were removed.
        """
        with self.atomic():
            return writes.prune(self._db, before=format_time(before), at=self._now())
