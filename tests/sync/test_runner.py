"""``drain`` against an in-memory centre: batches, retries, lost replies, crashes."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from sync import ActionState, Outbox, SyncAuthFailed
from sync.protocol import PullRequest, PushRequest
from sync.runner import drain
from sync.runner_models import Progress, RetryPolicy, SyncReport
from tests.sync.fake_centre import Crash, FakeCentre
from tests.sync.outbox_support import (
    FakeClock,
    Keys,
    make_outbox,
    sample_parts,
    sample_trace,
)

EVERYTHING = PullRequest()


class Sleeps:
    """A fake ``sleep`` that records each wait and moves the clock on."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(clock: FakeClock) -> Outbox:
    return make_outbox(clock=clock)


def queue(outbox: Outbox, count: int, **changes) -> list[str]:
    """Enqueue ``count`` orders; returns their keys in sequence order."""
    keys = []
    for _ in range(count):
        n = len(outbox.list(limit=100_000)) + 1
        parts = {**sample_parts(quantity=n), **changes}
        keys.append(outbox.enqueue(**parts, trace=sample_trace(f"t{n}")).key)
    return keys


def run(
    outbox: Outbox,
    centre: FakeCentre,
    clock: FakeClock,
    *,
    sleeps: Sleeps | None = None,
    batch_size: int = 3,
    pull: PullRequest | None = EVERYTHING,
    progress: list[Progress] | None = None,
) -> SyncReport:
    return drain(
        outbox,
        centre,
        clock=clock,
        sleep=sleeps or Sleeps(clock),
        rng=random.Random(7),
        batch_size=batch_size,
        retry=RetryPolicy(max_attempts=3),
        pull=pull,
        progress=None if progress is None else progress.append,
    )


def states(outbox: Outbox) -> dict[ActionState, int]:
    return {state: n for state, n in outbox.count_by_state().items() if n}


def test_everything_queued_is_pushed_in_batches_and_applied_once(outbox, clock) -> None:
    keys = queue(outbox, 7)
    centre = FakeCentre()
    seen: list[Progress] = []
    report = run(outbox, centre, clock, progress=seen)
    assert [len(push) for push in centre.pushes] == [3, 3, 1]
    assert centre.applied == {key: 1 for key in keys}
    assert states(outbox) == {ActionState.APPLIED: 7}
    assert all(outbox.get(key).acknowledged_at is not None for key in keys)
    assert (report.sent, report.count("applied"), report.reached) == (7, 7, True)
    assert report.stopped is None
    assert [o.key for o in report.outcomes] == keys
    assert seen[0].stage == "push" and seen[0].total == 7
    assert seen[-1].stage == "pulled"


def test_the_wire_action_carries_the_chain_fields_as_stored(outbox, clock) -> None:
    (key,) = queue(outbox, 1)
    sent: list[PushRequest] = []
    centre = FakeCentre()
    centre.script("before", sent.append)
    run(outbox, centre, clock)
    (wire,) = sent[0].actions
    stored = outbox.get(key)
    assert (wire.seq, wire.row_hash, wire.prev_hash) == (
        stored.seq,
        stored.row_hash,
        stored.prev_hash,
    )
    assert wire.state == "queued"
    assert wire.created_at.endswith("Z")
    assert [trace.trace_id for trace in sent[0].traces] == ["t1"]


def test_a_lost_reply_is_sent_again_and_applied_once(outbox, clock) -> None:
    keys = queue(outbox, 3)
    centre = FakeCentre()
    centre.lose_reply()
    sleeps = Sleeps(clock)
    report = run(outbox, centre, clock, sleeps=sleeps)
    assert centre.pushes == [keys, keys]
    assert centre.applied == {key: 1 for key in keys}
    assert states(outbox) == {ActionState.APPLIED: 3}
    assert len(sleeps.waits) == 1 and 0 <= sleeps.waits[0] <= 1
    assert report.count("applied") == 3


def test_a_crash_after_sending_is_recovered_by_sending_the_same_keys(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "outbox.db"
    keys_source = Keys()
    with make_outbox(path, clock=clock, keys=keys_source) as first:
        keys = queue(first, 4)
        centre = FakeCentre()
        centre.script("after", lambda request: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            run(first, centre, clock, batch_size=10)
        assert states(first) == {ActionState.SENT: 4}
    with make_outbox(path, clock=clock, keys=keys_source) as again:
        report = run(again, centre, clock, batch_size=10)
        assert states(again) == {ActionState.APPLIED: 4}
        history = [t.reason for t in again.transitions(keys[0])]
    assert centre.pushes == [keys, keys]
    assert centre.applied == {key: 1 for key in keys}
    assert report.count("applied") == 4
    assert any("interrupted" in reason for reason in history)


def test_two_runs_at_once_send_twice_but_apply_once(tmp_path: Path, clock) -> None:
    path = tmp_path / "outbox.db"
    keys_source = Keys()
    centre = FakeCentre()
    with make_outbox(path, clock=clock, keys=keys_source) as first:
        keys = queue(first, 4)
        with make_outbox(path, clock=clock, keys=keys_source) as second:

            def meanwhile(request: PushRequest) -> None:
                run(second, centre, clock, batch_size=10)

            centre.script("before", meanwhile)
            run(first, centre, clock, batch_size=10)
        assert states(first) == {ActionState.APPLIED: 4}
    assert centre.pushes == [keys, keys]
    assert centre.applied == {key: 1 for key in keys}


def test_a_batch_too_large_is_split_until_it_fits(outbox, clock) -> None:
    keys = queue(outbox, 9)
    centre = FakeCentre(max_actions=2)
    report = run(outbox, centre, clock, batch_size=5)
    assert centre.applied == {key: 1 for key in keys}
    assert states(outbox) == {ActionState.APPLIED: 9}
    first, second, third = keys[:5], keys[5:7], keys[7:]
    assert centre.pushes == [
        first,
        first[:2],
        first[2:],
        first[2:3],
        first[3:],
        second,  # later batches are as small as the last split
        third,
    ]
    assert report.count("applied") == 9


def test_retry_after_is_honoured_before_trying_again(outbox, clock) -> None:
    keys = queue(outbox, 2)
    centre = FakeCentre()
    centre.busy(timedelta(seconds=7))
    sleeps = Sleeps(clock)
    run(outbox, centre, clock, sleeps=sleeps)
    (wait,) = sleeps.waits
    assert 7 <= wait < 8
    assert centre.applied == {key: 1 for key in keys}


def test_a_retry_after_beyond_the_cap_ends_the_run_and_keeps_the_actions(
    outbox, clock
) -> None:
    keys = queue(outbox, 2)
    centre = FakeCentre()
    centre.busy(timedelta(minutes=10))
    sleeps = Sleeps(clock)
    report = run(outbox, centre, clock, sleeps=sleeps)
    assert sleeps.waits == []
    assert report.stopped == "Busy." and centre.pulls == []
    assert states(outbox) == {ActionState.QUEUED: 2}
    assert outbox.pending(now=clock.now + timedelta(minutes=9)) == []
    later = outbox.pending(now=clock.now + timedelta(minutes=11))
    assert [item.action.key for item in later] == keys
    assert outbox.get(keys[0]).state_reason == "Busy."


def test_offline_keeps_everything_queued_with_a_reason(outbox, clock) -> None:
    keys = queue(outbox, 4)
    centre = FakeCentre()
    centre.go_offline(times=10)
    sleeps = Sleeps(clock)
    report = run(outbox, centre, clock, sleeps=sleeps)
    assert len(centre.pushes) == 1 and sleeps.waits == []
    assert (report.reached, report.stopped) == (False, "Connection refused.")
    assert report.count("retry") == 3 and centre.pulls == []
    assert states(outbox) == {ActionState.QUEUED: 4}
    assert outbox.get(keys[0]).state_reason == "Connection refused."
    assert len(outbox.pending(now=clock.now)) == 4


def test_a_connection_lost_mid_run_is_retried_with_backoff_then_kept(
    outbox, clock
) -> None:
    keys = queue(outbox, 4)
    centre = FakeCentre()
    centre.script("before", lambda request: None)
    centre.drop_connections(times=10)
    sleeps = Sleeps(clock)
    report = run(outbox, centre, clock, sleeps=sleeps, batch_size=2)
    assert centre.pushes == [keys[:2], keys[2:], keys[2:], keys[2:]]
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 1 and 0 <= sleeps.waits[1] <= 2
    assert (report.reached, report.stopped) == (True, "Connection reset.")
    assert [outbox.get(key).state for key in keys] == [ActionState.APPLIED] * 2 + [
        ActionState.QUEUED
    ] * 2
    assert outbox.pending(now=clock.now)  # offline-like: due again at once


def test_progress_counts_only_what_the_centre_received(outbox, clock) -> None:
    queue(outbox, 2)
    centre = FakeCentre()
    centre.go_offline(times=10)
    seen: list[Progress] = []
    report = run(outbox, centre, clock, progress=seen)
    assert [(p.message, p.sent, p.total) for p in seen] == [
        ("Sending 2 action(s)", 0, 2)
    ]
    assert report.sent == 0

    seen.clear()
    report = run(outbox, FakeCentre(), clock, batch_size=1, progress=seen)
    pushes = [(p.stage, p.sent) for p in seen if p.stage in ("push", "pushed")]
    assert pushes == [("push", 0), ("pushed", 1), ("push", 1), ("pushed", 2)]
    assert report.sent == 2


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=10))

    class Top(random.Random):
        def random(self) -> float:
            return 0.999

    ceilings = [policy.delay(n, Top()).total_seconds() for n in range(1, 7)]
    assert ceilings == pytest.approx([1, 2, 4, 8, 10, 10], rel=0.01)
    draws = {policy.delay(3, random.Random(n)) for n in range(50)}
    assert len(draws) > 40
    assert all(timedelta(0) <= d <= timedelta(seconds=4) for d in draws)


def test_a_failing_batch_never_stalls_the_next_one(outbox, clock) -> None:
    keys = queue(outbox, 4)
    centre = FakeCentre(strict_order=False)
    failure = _server_error()
    for _ in range(3):
        centre.script("before", failure)
    report = run(outbox, centre, clock, batch_size=2)
    assert set(centre.applied) == set(keys[2:])
    assert [outbox.get(key).state for key in keys] == [
        ActionState.QUEUED,
        ActionState.QUEUED,
        ActionState.APPLIED,
        ActionState.APPLIED,
    ]
    assert "failed" in outbox.get(keys[0]).state_reason
    assert outbox.get(keys[0]).not_before is not None
    assert report.count("retry") == 2 and report.count("applied") == 2
    assert report.stopped is None


def test_an_action_the_centre_refuses_is_set_aside_with_its_reason(
    outbox, clock
) -> None:
    keys = queue(outbox, 4)
    centre = FakeCentre()
    centre.poison = {keys[1]}
    report = run(outbox, centre, clock, batch_size=4)
    assert centre.applied == {keys[0]: 1}
    bad = outbox.get(keys[1])
    assert bad.state is ActionState.QUEUED
    assert "Refused by the centre" in bad.state_reason
    assert bad.not_before is not None and bad.not_before > clock.now
    assert [o.status for o in report.outcomes] == ["applied", "retry", "held", "held"]
    assert outbox.get(keys[3]).state_reason.startswith("Held at the centre")
    # Once the centre takes it, the held ones land too.
    centre.poison = set()
    clock.advance(timedelta(hours=2))
    report = run(outbox, centre, clock, batch_size=4)
    assert states(outbox) == {ActionState.APPLIED: 4}
    assert centre.applied == {key: 1 for key in keys}


def test_a_conflicting_key_is_set_aside_for_a_person_to_look_at(outbox, clock) -> None:
    keys = queue(outbox, 3)
    centre = FakeCentre(strict_order=False)
    centre.conflicting = {keys[2]}
    report = run(outbox, centre, clock)
    assert centre.applied == {keys[0]: 1, keys[1]: 1}
    odd = outbox.get(keys[2])
    assert odd.state is ActionState.QUEUED
    assert "Another payload" in odd.state_reason
    assert [o.status for o in report.outcomes] == ["applied", "applied", "retry"]


def test_denied_actions_go_as_links_so_later_ones_are_not_held(outbox, clock) -> None:
    first = queue(outbox, 1)
    queue(outbox, 1, state=ActionState.DENIED, confirmation=None)
    last = queue(outbox, 1)
    sent: list[PushRequest] = []
    centre = FakeCentre()
    centre.script("before", sent.append)
    run(outbox, centre, clock)
    assert [link.seq for link in sent[0].links] == [2]
    assert sent[0].links[0].state == "denied"
    assert centre.applied == {first[0]: 1, last[0]: 1}


def test_quarantined_actions_land_when_the_pull_brings_the_approval(
    outbox, clock
) -> None:
    (key,) = queue(outbox, 1)
    centre = FakeCentre(quarantine=frozenset({"order_part"}))
    report = run(outbox, centre, clock)
    assert outbox.get(key).state is ActionState.QUARANTINED
    assert outbox.get(key).acknowledged_at is None
    centre.approve(key)
    report = run(outbox, centre, clock, pull=PullRequest(results_after=1))
    assert report.sent == 0
    assert outbox.get(key).state is ActionState.APPLIED
    assert outbox.get(key).acknowledged_at is not None
    assert report.pull is not None and report.pull.results_cursor == 2
    assert [(o.key, o.status) for o in report.outcomes] == [(key, "applied")]


def test_a_pull_follows_more_results_and_merges_them(outbox, clock) -> None:
    keys = queue(outbox, 5)
    centre = FakeCentre(page=2)
    run(outbox, centre, clock, batch_size=5, pull=None)
    centre.pull_reply = {"jobs": {"jobs": [], "assets": []}, "jobs_version": 4}
    report = run(outbox, centre, clock, pull=PullRequest())
    assert [p.results_after for p in centre.pulls] == [0, 2, 4]
    assert centre.pulls[1].jobs_version == 4
    assert report.pull is not None
    assert [r.key for r in report.pull.results] == keys
    assert (report.pull.results_cursor, report.pull.jobs_version) == (5, 4)


def test_a_refused_device_puts_the_batch_back_and_says_so(outbox, clock) -> None:
    queue(outbox, 2)
    centre = FakeCentre()
    centre.script(
        "before",
        _raise_step(SyncAuthFailed("ask the depot to re-enrol", status_code=401)),
    )
    with pytest.raises(SyncAuthFailed):
        run(outbox, centre, clock)
    assert states(outbox) == {ActionState.QUEUED: 2}
    assert len(outbox.pending(now=clock.now)) == 2


def test_nothing_to_send_still_pulls(outbox, clock) -> None:
    centre = FakeCentre()
    report = run(outbox, centre, clock)
    assert centre.pushes == [] and len(centre.pulls) == 1
    assert (report.sent, report.reached) == (0, True)


def _server_error() -> Callable[[PushRequest], None]:
    from sync import SyncUnavailable

    return _raise_step(SyncUnavailable("The centre failed (500).", status_code=500))


def _raise_step(error: BaseException) -> Callable[[PushRequest], None]:
    def step(request: PushRequest) -> None:
        raise error

    return step
