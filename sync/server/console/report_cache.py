"""Reports kept for a short time, keyed by what was asked: a report that
takes seconds to compute is computed once, and reloading its page, paging
through it or fetching its plots reads the kept one.

Each key has its own lock, so two requests for the same report compute it
once while other reports are computed beside it. Entries older than the
time to live are computed again; past :data:`KEPT` keys the oldest go.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sync.server.records import Clock

R = TypeVar("R")

TIME_TO_LIVE = timedelta(seconds=60)
"""How long a computed report is shown before it is computed again."""
KEPT = 16
"""Reports kept at most (each a different question)."""


@dataclass(frozen=True, slots=True)
class Computed(Generic[R]):
    """A report, when it was computed, and what was drawn from it so far."""

    value: R
    computed_at: datetime
    drawn: dict[str, str] = field(default_factory=dict)


class ReportCache(Generic[R]):
    """Reports by key, each kept for ``ttl``.

    Args:
        ttl: How long a report is kept.
        kept: How many reports are kept at most.
    """

    def __init__(self, *, ttl: timedelta = TIME_TO_LIVE, kept: int = KEPT) -> None:
        self._ttl = ttl
        self._kept = kept
        self._guard = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._entries: dict[Hashable, Computed[R]] = {}

    def get(self, key: Hashable, compute: Callable[[], R], clock: Clock) -> Computed[R]:
        """The report of ``key``: the kept one while it is fresh, else
        ``compute()``'s (blocking: call it from a worker thread)."""
        with self._lock_of(key):
            entry = self._entries.get(key)
            if entry is not None and clock() - entry.computed_at < self._ttl:
                return entry
            entry = Computed(compute(), clock())
            with self._guard:
                self._entries[key] = entry
                self._trim(entry.computed_at)
            return entry

    def drawn(
        self,
        key: Hashable,
        computed: Computed[R],
        name: str,
        draw: Callable[[R], str],
    ) -> str:
        """What ``draw`` makes of ``computed``'s report, drawn once and kept
        with it under ``name``."""
        with self._lock_of(key):
            if name not in computed.drawn:
                computed.drawn[name] = draw(computed.value)
            return computed.drawn[name]

    def _lock_of(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _trim(self, now: datetime) -> None:
        """Forget expired reports, then the oldest past :attr:`_kept`."""
        stale = [
            k for k, e in self._entries.items() if now - e.computed_at >= self._ttl
        ]
        by_age = sorted(self._entries, key=lambda k: self._entries[k].computed_at)
        stale += by_age[: max(0, len(self._entries) - self._kept)]
        for key in stale:
            self._entries.pop(key, None)
            self._locks.pop(key, None)
