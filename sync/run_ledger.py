"""What one sync run writes to the outbox as it goes, and what it keeps of
each action for its report.

Actions go back in line with the reason shown; the centre's results are
recorded (final ones acknowledged, so they may be pruned later) and ``held``
sends an action back in line. Each write skips an action no longer where the
run left it (another run moved it, or it was pruned): the outbox, not the
run, is the record. The last word on each action pushed or reported becomes
an :class:`~sync.runner_models.ActionOutcome` of the run's
:class:`~sync.runner_models.SyncReport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sync.errors import InvalidTransition, UnknownAction
from sync.outbox import Outbox
from sync.outbox.models import Clock, PendingAction
from sync.outbox.states import FINAL_STATES, PENDING_STATES, ActionState
from sync.protocol import ActionResult, PushResponse
from sync.runner_models import ActionOutcome, OutcomeStatus


class RunLedger:
    """The outbox writes and the outcomes of one :func:`sync.runner.drain` call.

    Args:
        outbox: The device's outbox.
        clock: Gives the time of records and of ``not_before`` (aware).
        held_delay: How long an action the centre held, or sent no result
            for, waits before it is sent again.
    """

    def __init__(self, outbox: Outbox, *, clock: Clock, held_delay: timedelta) -> None:
        self.outbox, self.clock, self.held_delay = outbox, clock, held_delay
        self.outcomes: dict[str, ActionOutcome] = {}
        self.delivered: set[str] = set()
        """Actions the centre answered for in this run: those really sent."""

    def record_push(self, batch: list[PendingAction], response: PushResponse) -> None:
        """Record the centre's answer to a pushed batch; an action it sent no
        result for goes back in line."""
        results = {result.key: result for result in response.results}
        self.delivered.update(key for key in batch_keys(batch) if key in results)
        missing = [item for item in batch if item.action.key not in results]
        with self.outbox.atomic():
            for item in batch:
                if item.action.key in results:
                    self.record(results[item.action.key], held_back=True)
        if missing:
            reason = "The centre sent no result for it; it is sent again next sync."
            self.put_back(batch_keys(missing), reason, self.held_delay)
            for item in missing:
                self.note(item, "retry", reason)

    def record(self, result: ActionResult, *, held_back: bool) -> None:
        """Record one result; stale results and pruned actions are skipped."""
        try:
            with self.outbox.atomic():
                action = self.outbox.get(result.key)
                if result.status == "held":
                    if held_back and action.state is ActionState.SENT:
                        reason = f"Held at the centre: {result.reason}"
                        self.put_back([result.key], reason, self.held_delay)
                else:
                    self._settle(result, action.state)
        except (InvalidTransition, UnknownAction):
            return
        if result.status != "held" or held_back:
            self.outcomes[result.key] = ActionOutcome(
                result.key, result.seq, action.tool, result.status, result.reason
            )

    def _settle(self, result: ActionResult, state: ActionState) -> None:
        if state in PENDING_STATES:
            # Back in line after an earlier answer; the centre has it now.
            self.outbox.mark_sent([result.key], self.clock())
        status = ActionState(result.status)
        now = self.clock()
        self.outbox.mark_result(result.key, status, result.reason, "centre", at=now)
        if status in FINAL_STATES:
            self.outbox.acknowledge([result.key], now)

    def put_back(
        self, keys: list[str], reason: str, delay: timedelta = timedelta(0)
    ) -> bool:
        """Return sent actions to the line; skip any no longer sent. Any moved?"""
        now = self.clock()
        try:
            self.outbox.mark_failed(keys, reason, now + delay, at=now)
            return True
        except (InvalidTransition, UnknownAction):
            moved = False
            for key in keys:
                try:
                    self.outbox.mark_failed([key], reason, now + delay, at=now)
                    moved = True
                except (InvalidTransition, UnknownAction):
                    continue
            return moved

    def note(self, item: PendingAction, status: OutcomeStatus, reason: str) -> None:
        """Keep ``status`` as the last word on the action in this run."""
        action = item.action
        self.outcomes[action.key] = ActionOutcome(
            action.key, action.seq, action.tool, status, reason
        )


def batch_keys(batch: Sequence[PendingAction]) -> list[str]:
    """The idempotency keys of ``batch``, in its order."""
    return [item.action.key for item in batch]
