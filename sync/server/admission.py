"""How much work one service process takes on at once.

A request holds a place only for the work it has earned: its body is read
first (within the body timeout, counted as ``receiving``), a device request's
signature is checked, and only then does it take a slot, so a client that
sends its body slowly, or cannot sign, never holds one:

- ``devices``: signed device requests (push, pull, journal), up to
  ``max_in_flight``;
- ``unsigned``: enrolments and metrics, up to ``max_unsigned_in_flight``, so
  unsigned traffic never takes the devices' slots.

A full pool answers 429 with ``Retry-After``. Health checks take no slot and
report the pools, ``degraded`` while every device slot is taken. Counts are
kept on the event loop's thread, where every route takes and gives back its
slot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sync.server.errors import Overloaded


class Pool:
    """Up to ``limit`` requests of one kind at once; one more gets 429.

    Args:
        limit: Most requests in the pool at once.
        retry_after: Seconds a refused client is asked to wait.
        refused: Told about each refusal (the metrics).
    """

    def __init__(
        self, *, limit: int, retry_after: int, refused: Callable[[], None]
    ) -> None:
        self.limit = limit
        self.in_flight = 0
        self._retry_after = retry_after
        self._refused = refused

    @property
    def full(self) -> bool:
        """Whether the next request would be refused."""
        return self.in_flight >= self.limit

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a place for the block.

        Raises:
            Overloaded: every place is taken.
        """
        if self.full:
            self._refused()
            raise Overloaded(
                "The service is busy; retry after the time given.",
                retry_after=self._retry_after,
            )
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


class Admission:
    """The process's pools, and how many requests are still sending a body.

    Args:
        max_in_flight: Signed device requests at once.
        max_unsigned_in_flight: Enrolments and metrics at once.
        retry_after: Seconds a refused client is asked to wait.
        refused: Told about each refusal.
    """

    def __init__(
        self,
        *,
        max_in_flight: int,
        max_unsigned_in_flight: int,
        retry_after: int,
        refused: Callable[[], None],
    ) -> None:
        self.devices = Pool(
            limit=max_in_flight, retry_after=retry_after, refused=refused
        )
        self.unsigned = Pool(
            limit=max_unsigned_in_flight, retry_after=retry_after, refused=refused
        )
        self.receiving = 0

    @contextmanager
    def receiving_body(self) -> Iterator[None]:
        """Count a request as sending its body for the block."""
        self.receiving += 1
        try:
            yield
        finally:
            self.receiving -= 1

    def snapshot(self) -> dict[str, Any]:
        """The pools as the health and metrics endpoints report them."""
        return {
            "in_flight": self.devices.in_flight,
            "max_in_flight": self.devices.limit,
            "unsigned_in_flight": self.unsigned.in_flight,
            "max_unsigned_in_flight": self.unsigned.limit,
            "receiving": self.receiving,
        }
