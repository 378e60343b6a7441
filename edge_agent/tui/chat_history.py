"""The chat's history, read and written on a thread of its own, in order.

Every read and write of ``conversations.db`` runs on one worker thread, one
after another in the order asked: a turn kept twice (an action decided, then
settled) can never be written out of order, and the screen never waits on
the disk. Each call returns a future; a failure comes back in it as
:class:`~edge_agent.errors.HistoryUnavailable`. Nothing is created before
the first turn is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from edge_agent.clock import Clock, utc_now
from edge_agent.conversations import (
    Conversation,
    ConversationStore,
    Retention,
    Turn,
)
from edge_agent.errors import HistoryUnavailable

T = TypeVar("T")
Kept = tuple[Conversation, list[Turn]]
"""A conversation and its turns."""


class ChatHistory:
    """``conversations.db`` for the chat, opened (and pruned) on first use."""

    def __init__(
        self, path: Path, retention: Retention, *, clock: Clock = utc_now
    ) -> None:
        self.path = path
        self._retention = retention
        self._clock = clock
        self._store: ConversationStore | None = None
        self._broken: HistoryUnavailable | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="chat-history")

    def recent(self, limit: int | None = None) -> Future[list[Conversation]]:
        """The kept conversations, the most recently active first."""
        return self._run(lambda store: [] if store is None else store.recent(limit))

    def reopen(self, conversation_id: str) -> Future[Kept | None]:
        """A kept conversation and its turns in order (``None`` if it is no
        longer kept)."""

        def read(store: ConversationStore | None) -> Kept | None:
            found = None if store is None else store.conversation(conversation_id)
            if store is None or found is None:
                return None
            return found, store.turns(conversation_id)

        return self._run(read)

    def record(self, conversation: Conversation, turn: Turn) -> Future[None]:
        """Keep ``turn`` in ``conversation`` (again, if it was kept before)."""

        def write(store: ConversationStore | None) -> None:
            assert store is not None
            store.record(conversation, turn)

        return self._run(write, create=True)

    def close(self) -> None:
        """Finish every write asked for, then close the file."""
        self._thread.submit(self._close)
        self._thread.shutdown(wait=True)

    def _run(
        self, job: Callable[[ConversationStore | None], T], *, create: bool = False
    ) -> Future[T]:
        return self._thread.submit(lambda: job(self._opened(create)))

    def _opened(self, create: bool) -> ConversationStore | None:
        """The store (on this thread), or ``None`` before anything was kept."""
        if self._broken is not None:
            raise self._broken
        if self._store is None:
            if not create and not self.path.exists():
                return None
            try:
                self._store = ConversationStore.open(self.path, clock=self._clock)
                self._store.prune(self._retention)
            except HistoryUnavailable as exc:
                self._broken = exc
                raise
        return self._store

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
