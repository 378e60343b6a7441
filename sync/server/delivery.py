"""The delivery worker: hands applied actions to the connector, in the background.

Applied actions are queued in the same transaction that applies them. The
worker leases due deliveries, calls the connector outside any transaction,
then records success, or a failure with the next attempt after an exponential
backoff; after ``max_attempts`` a delivery is parked as ``failed`` (kept, and
put back in line by ``edge-governance deliveries retry``). One worker runs in
each service process; on PostgreSQL they share the queue safely.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta

from sync.server.connectors import AppliedAction, Connector
from sync.server.errors import DeliveryFailed, ServerError
from sync.server.records import Clock
from sync.server.storage import Storage
from sync.server.storage import deliveries as queue

logger = logging.getLogger("sync.server.delivery")

LEASE = timedelta(minutes=5)
"""How long a claimed delivery is left to one worker before another may retry."""


class DeliveryWorker:
    """Drains the delivery queue into a connector.

    Args:
        storage: The service's storage.
        connector: Where applied actions go.
        clock: The service's clock.
        max_attempts: Attempts before a delivery is parked as failed.
        backoff_seconds: Delay after the first failure; doubles each time.
        backoff_max_seconds: Longest delay.
        poll_seconds: How long the thread sleeps when nothing is due.
        jitter: Returns a factor in [0.5, 1] for each delay (tests pass 1).
        housekeeping: Called about once a minute by the thread (e.g. dropping
            old nonces).
    """

    def __init__(
        self,
        storage: Storage,
        connector: Connector,
        *,
        clock: Clock,
        max_attempts: int = 10,
        backoff_seconds: float = 2.0,
        backoff_max_seconds: float = 600.0,
        poll_seconds: float = 1.0,
        jitter: Callable[[], float] = lambda: random.uniform(0.5, 1.0),
        housekeeping: Callable[[], object] | None = None,
    ) -> None:
        self._storage = storage
        self._connector = connector
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._backoff_max = backoff_max_seconds
        self._poll = poll_seconds
        self._jitter = jitter
        self._housekeeping = housekeeping
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, limit: int = 100) -> int:
        """Deliver what is due now; returns how many deliveries were attempted."""
        with self._storage.write() as connection:
            claimed = queue.claim_due(
                connection, now=self._clock(), limit=limit, lease=LEASE
            )
        done = [action for action in claimed if self._deliver(action)]
        if done:
            with self._storage.write() as connection:
                at = self._clock()
                for action in done:
                    queue.delivered(connection, action, at=at)
        return len(claimed)

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="edge-governance-delivery", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after the delivery in progress."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        last_housekeeping = 0.0
        ticks = 0.0
        while not self._stop.is_set():
            try:
                busy = self.run_once() > 0
                if self._housekeeping is not None and ticks - last_housekeeping >= 60:
                    last_housekeeping = ticks
                    self._housekeeping()
            except ServerError as exc:
                logger.warning("delivery worker: %s", exc.message)
                busy = False
            except Exception:  # the thread must outlive any one failure
                logger.exception("delivery worker failed; retrying")
                busy = False
            if not busy:
                self._wake.wait(self._poll)
                self._wake.clear()
                ticks += self._poll

    def _deliver(self, action: AppliedAction) -> bool:
        """Hand one action on; a failure is recorded at once, a success later
        with the rest of the batch (one transaction)."""
        try:
            self._connector.deliver(action)
        except DeliveryFailed as exc:
            self._failed(action, exc)
            return False
        return True

    def _failed(self, action: AppliedAction, exc: DeliveryFailed) -> None:
        with self._storage.write() as connection:
            tries = queue.attempts(connection, action)
            park = not exc.retryable or tries >= self._max_attempts
            delay = min(self._backoff * 2 ** (tries - 1), self._backoff_max)
            retry_at = (
                None
                if park
                else self._clock() + timedelta(seconds=delay * self._jitter())
            )
            queue.failed(connection, action, error=exc.message, retry_at=retry_at)
        logger.info(
            "delivery of %s failed (attempt %d): %s",
            action.delivery_id,
            tries,
            exc.message,
        )
