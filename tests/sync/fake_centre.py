"""An in-memory centre at the runner's seam: idempotent push and pull.

It keeps what the real service promises: one result per key (a repeated push
gets the stored result, a key with another payload is a conflict), actions
applied in sequence order (a gap holds the later ones until it is filled by
the action or its link), results numbered in one stream for pull cursors.
Failures are scripted per call with :meth:`FakeCentre.script`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sync import (
    BatchTooLarge,
    CentreBusy,
    CentreUnreachable,
    SyncConflict,
    SyncRejected,
    SyncUnavailable,
)
from sync.protocol import (
    ActionResult,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    WireAction,
)

Step = Callable[[PushRequest], None]
"""Runs before a push is handled; may raise to fail it."""


class Crash(BaseException):
    """The device's process dies (not an ``Exception``: nothing catches it)."""


class FakeCentre:
    """Push and pull as the centre does them, in memory.

    Args:
        max_actions: Pushes with more actions get 413.
        strict_order: Hold actions after a gap in the sequence.
        quarantine: Tools whose actions are quarantined for review.
        page: Most results per pull (``more_results`` says when more wait).
    """

    def __init__(
        self,
        *,
        max_actions: int = 500,
        strict_order: bool = True,
        quarantine: frozenset[str] = frozenset(),
        page: int = 1000,
    ) -> None:
        self.max_actions = max_actions
        self.strict_order = strict_order
        self.quarantine = quarantine
        self.page = page
        self.applied: Counter[str] = Counter()
        self.pushes: list[list[str]] = []
        self.pulls: list[PullRequest] = []
        self.poison: set[str] = set()
        self.conflicting: set[str] = set()
        self.pull_reply: dict[str, object] = {}
        self._results: dict[str, ActionResult] = {}
        self._stream: list[ActionResult] = []
        self._hashes: dict[str, str] = {}
        self._waiting: dict[int, WireAction] = {}
        self._next_seq = 1
        self._links: set[int] = set()
        self._steps: list[tuple[str, Step]] = []

    # --- scripting ----------------------------------------------------------

    def script(self, when: str, step: Step) -> None:
        """Run ``step`` on the next push, ``before`` or ``after`` it commits."""
        self._steps.append((when, step))

    def lose_reply(self) -> None:
        """Commit the next push, then fail as if the reply was lost."""
        self.script("after", _raise(SyncUnavailable("The reply was lost.")))

    def go_offline(self, times: int = 1) -> None:
        """No connection can be made (the request never leaves)."""
        for _ in range(times):
            self.script("before", _raise(CentreUnreachable("Connection refused.")))

    def drop_connections(self, times: int = 1) -> None:
        """The connection breaks before the reply (nothing committed)."""
        for _ in range(times):
            self.script("before", _raise(SyncUnavailable("Connection reset.")))

    def busy(self, retry_after: timedelta | None, times: int = 1) -> None:
        error = CentreBusy("Busy.", retry_after=retry_after, status_code=429)
        for _ in range(times):
            self.script("before", _raise(error))

    def approve(self, key: str) -> None:
        """A supervisor approves a quarantined action."""
        self._result(key, self._results[key].seq, "applied", "approved by bob")

    # --- the protocol -------------------------------------------------------

    def push(self, request: PushRequest) -> PushResponse:
        self.pushes.append([action.key for action in request.actions])
        self._run_steps("before", request)
        if len(request.actions) > self.max_actions:
            raise BatchTooLarge("Too many actions.", status_code=413)
        keys = {action.key for action in request.actions}
        if self.poison & keys:
            raise SyncRejected("An action is malformed.", status_code=422)
        if self.conflicting & keys:
            raise SyncConflict("Another payload under that key.", status_code=409)
        for action in request.actions:
            known = self._hashes.setdefault(action.key, action.payload_hash)
            if known != action.payload_hash:
                raise SyncConflict("Another payload.", status_code=409)
        self._links.update(link.seq for link in request.links)
        for action in request.actions:
            if action.key not in self._results or self._held(action.key):
                self._waiting[action.seq] = action
        self._apply_in_order()
        results = [self._current(action) for action in request.actions]
        self._run_steps("after", request)
        return PushResponse(results=results)

    def pull(self, request: PullRequest) -> PullResponse:
        self.pulls.append(request)
        after = [r for r in self._stream if r.result_id > request.results_after]
        page = after[: self.page]
        cursor = page[-1].result_id if page else request.results_after
        reply: dict[str, object] = {
            "results": page,
            "results_cursor": cursor,
            "more_results": len(after) > len(page),
        }
        return PullResponse.model_validate({**reply, **self.pull_reply})

    # --- inside ---------------------------------------------------------------

    def _apply_in_order(self) -> None:
        if not self.strict_order:
            for seq in sorted(self._waiting):
                self._apply(self._waiting.pop(seq))
            return
        while True:
            while self._next_seq in self._links:
                self._next_seq += 1
            action = self._waiting.pop(self._next_seq, None)
            if action is None:
                break
            self._apply(action)
            self._next_seq += 1
        for seq, action in self._waiting.items():
            if action.key not in self._results:
                self._result(action.key, seq, "held", f"waiting for action {seq - 1}")

    def _apply(self, action: WireAction) -> None:
        if self._results.get(action.key) and not self._held(action.key):
            return
        self.applied[action.key] += 1
        status = "quarantined" if action.tool in self.quarantine else "applied"
        self._result(action.key, action.seq, status, f"{status} at the centre")

    def _held(self, key: str) -> bool:
        result = self._results.get(key)
        return result is not None and result.status == "held"

    def _current(self, action: WireAction) -> ActionResult:
        return self._results[action.key]

    def _result(self, key: str, seq: int, status: str, reason: str) -> None:
        result = ActionResult.model_validate(
            {
                "key": key,
                "seq": seq,
                "status": status,
                "reason": reason,
                "result_id": len(self._stream) + 1,
            }
        )
        self._results[key] = result
        if status != "held":
            self._stream.append(result)

    def _run_steps(self, when: str, request: PushRequest) -> None:
        for index, (moment, step) in enumerate(self._steps):
            if moment == when:
                del self._steps[index]
                step(request)
                return


def _raise(error: BaseException) -> Step:
    def step(request: PushRequest) -> None:
        raise error

    return step
