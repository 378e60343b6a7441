"""``drain``: push everything queued to the centre in batches, then pull.

Resumable after any interruption, because every step is recorded in the
outbox first and the centre answers a repeated idempotency key with the result
it stored:

1. Actions left ``sent`` by an interrupted run go back in line.
2. Each batch is marked ``sent`` *before* it is pushed, so a crash after the
   push (or a lost reply) ends with the same keys pushed again: applied once.
   It carries the chain links of unsent actions (proposed, denied, cancelled)
   since the last push the centre answered, so their gaps never hold it up.
3. Each result is recorded: ``applied``, ``quarantined`` or ``rejected`` as
   the centre said (final ones acknowledged, so they may be pruned later);
   ``held`` goes back in line with the centre's reason.
4. A failed push puts its actions back in line with the reason shown. The
   centre unavailable is tried again with capped exponential backoff and full
   jitter (``Retry-After`` honoured), and ends the run when it persists or when
   no connection could be made at all (offline); a server error ends only its
   batch. A batch the centre refuses or finds too large is split until the
   one action at fault is set aside, so it never stalls the others.
5. Pull: results since the cursor (again while the centre says more wait),
   and what the app applies (policy bundle, KB delta, jobs, kill switch),
   returned in the :class:`SyncReport`.

Putting actions back in line and recording results (steps 1, 3 and 4), with
the outcome kept of each action, is :class:`~sync.run_ledger.RunLedger`'s.
Nothing is deleted here: pruning acknowledged actions is the app's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from random import Random
from typing import Protocol, TypeVar

from sync.errors import (
    BatchTooLarge,
    CentreBusy,
    CentreUnreachable,
    InvalidTransition,
    SyncAuthFailed,
    SyncConflict,
    SyncError,
    SyncRejected,
    SyncUnavailable,
    UnknownAction,
)
from sync.outbox import Outbox
from sync.outbox.models import Clock, PendingAction
from sync.outbox.states import PENDING_STATES, ActionState
from sync.protocol import (
    MAX_BATCH_ACTIONS,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    WireLink,
    WireTrace,
)
from sync.run_ledger import RunLedger, batch_keys
from sync.runner_models import (
    Progress,
    RetryPolicy,
    Stage,
    SyncReport,
)
from sync.wire import merged_pulls, next_pull, too_big, wire_action, wire_link

T = TypeVar("T")
INTERRUPTED = "A sync was interrupted before the centre's answer; sending again."
RECOVER_PAGE = 500
MAX_PULLS = 100
"""Most pulls in one run when the centre says more results wait."""
UNSENT_STATES = (ActionState.PROPOSED, ActionState.DENIED, ActionState.CANCELLED)
"""Actions never pushed as such: the centre gets their chain links instead."""
AT_CENTRE = (
    ActionState.SENT,
    ActionState.APPLIED,
    ActionState.QUARANTINED,
    ActionState.REJECTED,
)


class Centre(Protocol):
    """What the runner needs of the centre: :class:`sync.client.SyncClient`."""

    def push(self, request: PushRequest) -> PushResponse: ...

    def pull(self, request: PullRequest) -> PullResponse: ...


def drain(
    outbox: Outbox,
    centre: Centre,
    *,
    clock: Clock,
    sleep: Callable[[float], None],
    rng: Random,
    batch_size: int = 100,
    retry: RetryPolicy | None = None,
    pull: PullRequest | None = None,
    progress: Callable[[Progress], None] | None = None,
    client_version: str = "",
) -> SyncReport:
    """Push every due queued action in batches, then pull once.

    Args:
        outbox: The device's outbox; one run at a time should use it.
        centre: The centre's client.
        clock: Gives the time of records and of ``not_before`` (aware).
        sleep: Waits the given number of seconds between attempts.
        rng: Draws the jitter of each backoff.
        batch_size: Most actions per push (at most the protocol's limit).
        retry: Attempts and delays; the defaults when ``None``.
        pull: The cursor and versions the device holds; ``None`` skips the pull.
        progress: Called with each step, for the UI.
        client_version: The app's version, sent with every push.

    Returns:
        What happened to each action pushed or reported, and what was pulled.

    Raises:
        SyncAuthFailed: the centre does not accept this device; the actions of
            the batch went back in line.
        OutboxError: the outbox could not record a step; whatever was recorded
            before stays, and the next run resumes from it.
    """
    run = _Run(
        outbox,
        centre,
        clock=clock,
        sleep=sleep,
        rng=rng,
        batch_size=max(1, min(batch_size, MAX_BATCH_ACTIONS)),
        retry=retry or RetryPolicy(),
        progress=progress or _ignore,
        client_version=client_version,
    )
    return run.drain(pull)


class _Run:
    """The state of one :func:`drain` call."""

    def __init__(
        self,
        outbox: Outbox,
        centre: Centre,
        *,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: Random,
        batch_size: int,
        retry: RetryPolicy,
        progress: Callable[[Progress], None],
        client_version: str,
    ) -> None:
        self.outbox, self.centre, self.clock = outbox, centre, clock
        self.sleep, self.rng, self.retry = sleep, rng, retry
        self.batch_size, self.progress = batch_size, progress
        self.client_version = client_version
        self.pushed: set[str] = set()
        self.ledger = RunLedger(outbox, clock=clock, held_delay=retry.held_delay)
        self.stopped: str | None = None
        self.reached = False
        self.total = 0
        self.answered_up_to = 0
        self.links: list[WireLink] = []

    def drain(self, pull: PullRequest | None) -> SyncReport:
        self._recover()
        self._load_links()
        counts = self.outbox.count_by_state()
        self.total = sum(counts[state] for state in PENDING_STATES)
        self._push_all()
        pulled = None
        if pull is not None and self.stopped is None:
            pulled = self._pull(pull)
        return SyncReport(
            sent=len(self.ledger.delivered),
            outcomes=tuple(sorted(self.ledger.outcomes.values(), key=lambda o: o.seq)),
            pull=pulled,
            stopped=self.stopped,
            reached=self.reached,
        )

    # --- push ---------------------------------------------------------------

    def _recover(self) -> None:
        """Put actions that an interrupted run left ``sent`` back in line."""
        while True:
            stuck = self.outbox.list([ActionState.SENT], limit=RECOVER_PAGE)
            if not stuck or not self.ledger.put_back(
                [a.key for a in stuck], INTERRUPTED
            ):
                return

    def _load_links(self) -> None:
        """The links of unsent actions after the last one the centre holds."""
        newest = self.outbox.list(AT_CENTRE, limit=1)
        self.answered_up_to = newest[0].seq if newest else 0
        found: list[WireLink] = []
        offset = 0
        while True:
            page = self.outbox.list(UNSENT_STATES, limit=RECOVER_PAGE, offset=offset)
            found += [wire_link(a) for a in page if a.seq > self.answered_up_to]
            if len(page) < RECOVER_PAGE or page[-1].seq <= self.answered_up_to:
                break
            offset += RECOVER_PAGE
        self.links = sorted(found, key=lambda link: link.seq)

    def _links_up_to(self, last: int) -> list[WireLink]:
        after = self.answered_up_to
        links = [link for link in self.links if after < link.seq <= last]
        return links[:MAX_BATCH_ACTIONS]

    def _push_all(self) -> None:
        while self.stopped is None:
            due = self.outbox.pending(self.batch_size, now=self.clock())
            if all(item.action.key in self.pushed for item in due):
                return
            batch = self._claim(due)
            if not batch:
                continue  # another run took them all
            self.pushed.update(item.action.key for item in batch)
            self._report("push", f"Sending {len(batch)} action(s)")
            self._push(batch)

    def _claim(self, due: Sequence[PendingAction]) -> list[PendingAction]:
        """Mark ``due`` as sent (one transaction); drop any another run took."""
        try:
            self.outbox.mark_sent([item.action.key for item in due], self.clock())
            return list(due)
        except InvalidTransition:
            return [item for item in due if self._claim_one(item.action.key)]

    def _claim_one(self, key: str) -> bool:
        try:
            self.outbox.mark_sent([key], self.clock())
        except (InvalidTransition, UnknownAction):
            return False
        return True

    def _push(self, batch: list[PendingAction]) -> None:
        """Push a claimed batch; split it when the centre refuses it as a whole."""
        if self.stopped is not None:
            self.ledger.put_back(batch_keys(batch), f"Not sent: {self.stopped}")
            return
        request = self._request(batch)
        try:
            if len(batch) > 1 and too_big(request):
                raise BatchTooLarge("The batch is larger than the protocol allows.")
            response = self._retrying(lambda: self.centre.push(request))
        except SyncAuthFailed as exc:
            self.ledger.put_back(batch_keys(batch), exc.message)
            raise
        except (SyncRejected, SyncConflict) as exc:
            self._refused(batch, exc)
        except SyncUnavailable as exc:
            self._gave_up(batch, exc)
        else:
            self.reached = True
            self.answered_up_to = max(self.answered_up_to, batch[-1].action.seq)
            self.ledger.record_push(batch, response)
            self._report("pushed", f"{len(batch)} action(s) answered")

    def _refused(self, batch: list[PendingAction], exc: SyncError) -> None:
        """Split the batch to find the action at fault; set that one aside."""
        if len(batch) > 1:
            middle = len(batch) // 2
            if isinstance(exc, BatchTooLarge):
                # The next batches stay below the smallest size refused.
                self.batch_size = min(self.batch_size, len(batch) - 1)
            self._report("split", f"Splitting a batch of {len(batch)}: {exc.message}")
            self._push(batch[:middle])
            self._push(batch[middle:])
            return
        self.reached = self.reached or exc.status_code is not None
        (item,) = batch
        reason = f"Refused by the centre, kept on this device: {exc.message}"
        self.ledger.put_back([item.action.key], reason, self.retry.refused_delay)
        self.ledger.note(item, "retry", reason)

    def _gave_up(self, batch: list[PendingAction], exc: SyncUnavailable) -> None:
        """Put the batch back in line; stop the run unless only this batch failed."""
        delay = timedelta(0)
        if isinstance(exc, CentreBusy) and exc.retry_after is not None:
            delay = exc.retry_after
        elif exc.status_code is not None:
            delay = self.retry.delay(self.retry.max_attempts, self.rng)
        self.ledger.put_back(batch_keys(batch), exc.message, delay)
        for item in batch:
            self.ledger.note(item, "retry", exc.message)
        if exc.status_code is None or isinstance(exc, CentreBusy):
            self.stopped = exc.message

    def _request(self, batch: Sequence[PendingAction]) -> PushRequest:
        traces = {item.trace.trace_id: item.trace for item in batch}
        return PushRequest(
            actions=[wire_action(item) for item in batch],
            traces=[WireTrace(**trace.as_dict()) for trace in traces.values()],
            client_version=self.client_version,
            links=self._links_up_to(batch[-1].action.seq),
        )

    # --- pull -----------------------------------------------------------------

    def _pull(self, request: PullRequest) -> PullResponse | None:
        self._report("pull", "Fetching results, policy, knowledge base and jobs")
        pages: list[PullResponse] = []
        while len(pages) < MAX_PULLS:
            try:
                response = self._retrying(partial(self.centre.pull, request))
            except SyncAuthFailed:
                raise
            except (SyncUnavailable, SyncRejected, SyncConflict) as exc:
                self.stopped = exc.message
                break
            self.reached = True
            with self.outbox.atomic():
                for result in response.results:
                    self.ledger.record(result, held_back=False)
            pages.append(response)
            if not response.more_results:
                break
            if response.results_cursor <= request.results_after:
                break
            request = next_pull(request, response)
        if not pages:
            return None
        merged = merged_pulls(pages)
        self._report("pulled", f"{len(merged.results)} result(s) received")
        return merged

    # --- shared ---------------------------------------------------------------

    def _retrying(self, call: Callable[[], T]) -> T:
        """Call until it succeeds, waiting between attempts; raise the last error."""
        attempt = 1
        while True:
            try:
                return call()
            except SyncUnavailable as exc:
                if isinstance(exc, CentreBusy) or exc.status_code is not None:
                    self.reached = True
                wait = self._wait(exc, attempt)
                if wait is None:
                    raise
                self._report(
                    "retry",
                    f"{exc.message} Trying again in {wait.total_seconds():.0f} s "
                    f"(attempt {attempt + 1} of {self.retry.max_attempts}).",
                )
            self.sleep(wait.total_seconds())
            attempt += 1

    def _wait(self, exc: SyncUnavailable, attempt: int) -> timedelta | None:
        """How long to wait before the next attempt; ``None``: give up now."""
        if attempt >= self.retry.max_attempts:
            return None
        if isinstance(exc, CentreUnreachable) and not self.reached:
            return None  # offline from the start: a state, not worth waiting for
        if isinstance(exc, CentreBusy) and exc.retry_after is not None:
            if exc.retry_after > self.retry.cap:
                return None
            return exc.retry_after + self.retry.base * self.rng.random()
        return self.retry.delay(attempt, self.rng)

    def _report(self, stage: Stage, message: str) -> None:
        self.progress(Progress(stage, message, len(self.ledger.delivered), self.total))


def _ignore(progress: Progress) -> None:
    """The default progress callback: nothing to show."""
