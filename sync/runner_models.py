"""Values of a sync run: retry settings, progress steps, outcomes, the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import Literal

from sync.protocol import PullResponse

OutcomeStatus = Literal["applied", "quarantined", "rejected", "held", "retry"]
"""What became of an action in a run: the centre's result, or ``retry`` when
it went back in line on the device (the reason says why)."""

Stage = Literal["push", "retry", "split", "pushed", "pull", "pulled"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait when the centre is unavailable.

    Attributes:
        base: The first backoff ceiling; it doubles with each attempt.
        cap: The largest wait between two attempts; a ``Retry-After`` beyond
            it ends the run instead, and the actions wait until then.
        max_attempts: Attempts per request before the run gives up on it.
        held_delay: How long an action the centre held waits before it is
            sent again.
        refused_delay: How long an action the centre refused on its own waits
            before it is tried again.
    """

    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(seconds=60)
    max_attempts: int = 4
    held_delay: timedelta = timedelta(seconds=60)
    refused_delay: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: Random) -> timedelta:
        """Full jitter: a uniform wait up to ``min(cap, base * 2**(attempt-1))``."""
        ceiling = min(self.cap, self.base * (1 << min(max(attempt - 1, 0), 32)))
        return ceiling * rng.random()


@dataclass(frozen=True, slots=True)
class Progress:
    """One step of a run, for the UI.

    Attributes:
        stage: What the run is doing.
        message: The step in plain language.
        sent: Actions the centre has answered for so far in this run (one
            being sent, or sent in vain, does not count).
        total: Actions waiting in line when the run started.
    """

    stage: Stage
    message: str
    sent: int
    total: int


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What became of one action in a run.

    Attributes:
        key: The action's idempotency key.
        seq: Its sequence number on the device.
        tool: The tool it calls.
        status: The centre's result, or ``retry``.
        reason: The centre's reason, or why it went back in line.
    """

    key: str
    seq: int
    tool: str
    status: OutcomeStatus
    reason: str


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The result of one run.

    Attributes:
        sent: Distinct actions the centre answered for (received and
            recorded a result); an action pushed in vain is not counted.
        outcomes: The last word on each action pushed or reported, by sequence.
        pull: What the pull brought for the app to apply; ``None`` when there
            was no pull or it failed.
        stopped: Why the run stopped early (the centre unreachable or busy);
            ``None`` when it went through.
        reached: Whether the centre answered at all; ``False`` means offline.
    """

    sent: int
    outcomes: tuple[ActionOutcome, ...]
    pull: PullResponse | None
    stopped: str | None
    reached: bool

    def count(self, status: OutcomeStatus) -> int:
        """How many actions ended the run with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)
