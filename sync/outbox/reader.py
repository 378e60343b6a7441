"""``OutboxReader``: the read-only face of the outbox, over the queries of
:mod:`sync.outbox.reads`, each in its own read with SQLite failures turned
into :class:`~sync.errors.OutboxError`.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Self

from sqlite_utils import Database

from sync.outbox.db import translated
from sync.outbox.models import (
    Clock,
    JournalPage,
    OutboxIdentity,
    PendingAction,
    QueuedAction,
    RecordedRequest,
    TraceRecord,
    Transition,
    utc_now,
)
from sync.outbox.reads import (
    count_by_state,
    first_broken_seq,
    get_action,
    get_trace,
    identity,
    journal_after,
    latest_request,
    list_actions,
    list_traces,
    pending_actions,
    recorded_request,
    transitions_of,
)
from sync.outbox.rows import format_time
from sync.outbox.states import ActionState


class OutboxReader:
    """Read-only access to an outbox: what a status screen or report needs.

    :class:`sync.outbox.Outbox` extends it with the writes; build either with
    ``Outbox.open``. SQLite failures become :class:`~sync.errors.OutboxError`.
    """

    def __init__(
        self,
        db: Database,
        *,
        device_id: str,
        clock: Clock = utc_now,
        where: str = "on the given connection",
    ) -> None:
        self._db = db
        self._device_id = device_id
        self._clock = clock
        self._where = where

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def db(self) -> Database:
        """The database, for the app's own tables in ``atomic()`` blocks."""
        return self._db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def pending(
        self, limit: int = 100, *, now: datetime | None = None
    ) -> builtins.list[PendingAction]:
        """What the next push sends, with the traces that go up with it.

        Queued and awaiting-approval actions, in sequence order, except those
        that :meth:`~sync.outbox.Outbox.mark_failed` delayed beyond ``now``.
        """
        with self._translated():
            return pending_actions(self._db, now=self._now(now), limit=limit)

    def get(self, key: str) -> QueuedAction:
        """The action with this idempotency key.

        Raises:
            UnknownAction: no such action (or it was pruned).
        """
        with self._translated():
            return get_action(self._db, key)

    def list(
        self,
        states: Iterable[ActionState] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[QueuedAction]:
        """Actions newest first, only those in ``states`` if it is given.

        With one state or none this reads just the page asked for; with
        several it sorts the actions in those states.
        """
        with self._translated():
            return list_actions(self._db, states, limit, offset)

    def count_by_state(self) -> dict[ActionState, int]:
        """How many actions are in each state, every state listed."""
        with self._translated():
            return count_by_state(self._db)

    def transitions(self, key: str) -> builtins.list[Transition]:
        """Every state change of the action, oldest first.

        Raises:
            UnknownAction: no such action (or it was pruned).
        """
        with self._translated():
            return transitions_of(self._db, key)

    def get_trace(self, trace_id: str) -> TraceRecord:
        """The trace with this id.

        Raises:
            UnknownTrace: no such trace.
        """
        with self._translated():
            return get_trace(self._db, trace_id)

    def list_traces(
        self, limit: int = 50, offset: int = 0
    ) -> builtins.list[TraceRecord]:
        """Stored traces, the most recently first saved first."""
        with self._translated():
            return list_traces(self._db, limit, offset)

    def journal_after(self, cursor: int, limit: int = 200) -> JournalPage:
        """Turns written after ``cursor``, for the journal sent to the centre."""
        with self._translated():
            return journal_after(self._db, cursor, limit)

    def identity(self) -> OutboxIdentity:
        """Which outbox this is (its random id) and its chain's head and start."""
        with self._translated():
            return identity(self._db)

    def recorded_request(self, request_key: str) -> RecordedRequest | None:
        """The action recorded under the caller's idempotency key, if any
        (see :meth:`~sync.outbox.Outbox.bind_request`)."""
        with self._translated():
            return recorded_request(self._db, request_key)

    def latest_request(
        self,
        request_hash: str,
        *,
        since: datetime,
        states: Collection[ActionState] = frozenset(ActionState),
    ) -> QueuedAction | None:
        """The newest action recorded since ``since`` for the request with this
        hash, among those now in ``states`` (any state by default)."""
        with self._translated():
            return latest_request(
                self._db, request_hash, since=self._now(since), states=states
            )

    def verify_chain(self) -> int | None:
        """The first sequence number where the hash chain breaks, or ``None``.

        Recomputes every kept action's hash from its content and checks that
        each names its predecessor's, with no sequence number missing up to the
        last one given out (see :mod:`sync.chain`).
        """
        with self._translated():
            return first_broken_seq(self._db, self._device_id)

    def _now(self, moment: datetime | None = None) -> str:
        return format_time(self._clock() if moment is None else moment)

    def _translated(self) -> AbstractContextManager[None]:
        return translated(self._where)
