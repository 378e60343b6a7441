"""Action states: the transition table, what the sync runner calls, pruning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import product

import pytest

from sync import (
    FINAL_STATES,
    INITIAL_STATES,
    TRANSITIONS,
    ActionState,
    InvalidTransition,
    Outbox,
    QueuedAction,
    UnknownAction,
)
from sync.outbox.states import check_transition
from tests.sync.outbox_support import (
    FakeClock,
    make_outbox,
    sample_parts,
    sample_trace,
)

S = ActionState
ALLOWED = {
    (S.PROPOSED, S.DENIED),
    (S.PROPOSED, S.QUEUED),
    (S.PROPOSED, S.AWAITING_APPROVAL),
    (S.PROPOSED, S.CANCELLED),
    (S.QUEUED, S.SENT),
    (S.QUEUED, S.CANCELLED),
    (S.AWAITING_APPROVAL, S.SENT),
    (S.AWAITING_APPROVAL, S.CANCELLED),
    (S.SENT, S.APPLIED),
    (S.SENT, S.QUARANTINED),
    (S.SENT, S.REJECTED),
    (S.SENT, S.QUEUED),
    (S.SENT, S.AWAITING_APPROVAL),
    (S.QUARANTINED, S.APPLIED),
    (S.QUARANTINED, S.REJECTED),
}
"""The lifecycle, written out once more by hand."""


@pytest.fixture
def clock() -> FakeClock:
    """The outbox's clock, so a test can move time past a retry delay."""
    return FakeClock()


@pytest.fixture
def outbox(clock: FakeClock) -> Iterator[Outbox]:
    """An empty outbox in memory: real SQLite, a fake clock and predictable keys."""
    with make_outbox(clock=clock) as box:
        yield box


def queue(outbox: Outbox, state: ActionState = S.QUEUED) -> QueuedAction:
    return outbox.enqueue(**sample_parts(), trace=sample_trace(), state=state)


def sent(outbox: Outbox, state: ActionState = S.QUEUED) -> QueuedAction:
    action = queue(outbox, state)
    outbox.mark_sent([action.key])
    return action


@pytest.mark.parametrize(
    ("from_state", "to_state"), list(product(ActionState, ActionState))
)
def test_the_transition_table_allows_exactly_the_lifecycle(
    from_state: ActionState, to_state: ActionState
) -> None:
    if (from_state, to_state) in ALLOWED:
        check_transition("k", from_state, to_state)
    else:
        with pytest.raises(InvalidTransition) as raised:
            check_transition("k", from_state, to_state)
        assert raised.value.record_id == "k"
        assert f"cannot become {to_state}" in raised.value.message


def test_final_states_are_the_ones_nothing_leaves() -> None:
    assert set(FINAL_STATES) == {S.DENIED, S.APPLIED, S.REJECTED, S.CANCELLED}
    assert all(not TRANSITIONS[state] for state in FINAL_STATES)
    assert set(TRANSITIONS) == set(ActionState)
    assert S.SENT not in INITIAL_STATES


def test_an_action_goes_from_queued_to_sent_to_applied(outbox: Outbox) -> None:
    action = queue(outbox)
    outbox.mark_sent([action.key])
    applied = outbox.mark_result(action.key, S.APPLIED, "work order created")

    assert applied.state == S.APPLIED and applied.state_reason == "work order created"
    history = outbox.transitions(action.key)
    assert [(t.from_state, t.to_state) for t in history] == [
        (None, S.QUEUED),
        (S.QUEUED, S.SENT),
        (S.SENT, S.APPLIED),
    ]
    assert [t.actor for t in history] == ["device", "sync", "centre"]
    assert history[-1].at == applied.updated_at > applied.created_at


def test_a_quarantined_action_is_settled_after_review(outbox: Outbox) -> None:
    action = sent(outbox)
    outbox.mark_result(action.key, S.QUARANTINED, "amount above limit")
    settled = outbox.mark_result(
        action.key, S.REJECTED, "not approved", actor="supervisor:bob"
    )
    assert settled.state == S.REJECTED
    assert outbox.transitions(action.key)[-1].actor == "supervisor:bob"


def test_the_same_result_twice_records_one_transition(outbox: Outbox) -> None:
    action = sent(outbox)
    outbox.mark_result(action.key, S.APPLIED, "done")
    again = outbox.mark_result(action.key, S.APPLIED, "done")
    assert again.state == S.APPLIED
    assert len(outbox.transitions(action.key)) == 3


def test_a_result_for_an_action_never_sent_is_refused(outbox: Outbox) -> None:
    action = queue(outbox)
    with pytest.raises(InvalidTransition):
        outbox.mark_result(action.key, S.APPLIED, "done")
    with pytest.raises(InvalidTransition, match="not a result"):
        outbox.mark_result(action.key, S.CANCELLED, "done")
    assert outbox.get(action.key).state == S.QUEUED


def test_pending_lists_queued_and_awaiting_actions_in_order_with_traces(
    outbox: Outbox,
) -> None:
    first = queue(outbox)
    queue(outbox, S.DENIED)
    third = queue(outbox, S.AWAITING_APPROVAL)
    queue(outbox, S.PROPOSED)
    sent(outbox)

    pending = outbox.pending()

    assert [p.action.key for p in pending] == [first.key, third.key]
    assert all(p.trace.trace_id == p.action.trace_id for p in pending)
    assert [p.action.key for p in outbox.pending(limit=1)] == [first.key]


def test_a_failed_push_puts_actions_back_with_a_reason_and_a_delay(
    outbox: Outbox, clock: FakeClock
) -> None:
    queued, awaiting = sent(outbox), sent(outbox, S.AWAITING_APPROVAL)

    outbox.mark_failed(
        [queued.key, awaiting.key], "centre unreachable", timedelta(minutes=5)
    )

    back = [outbox.get(queued.key), outbox.get(awaiting.key)]
    assert [a.state for a in back] == [S.QUEUED, S.AWAITING_APPROVAL]
    assert {a.state_reason for a in back} == {"centre unreachable"}
    assert back[0].not_before is not None
    assert back[0].not_before - back[0].updated_at == timedelta(minutes=5)
    assert outbox.pending() == []
    clock.advance(timedelta(minutes=5))
    assert [p.action.key for p in outbox.pending()] == [queued.key, awaiting.key]
    outbox.mark_sent([queued.key])
    assert outbox.get(queued.key).not_before is None


def test_mark_failed_accepts_a_time_as_well(outbox: Outbox, clock: FakeClock) -> None:
    action = sent(outbox)
    later = clock.now + timedelta(hours=1)
    outbox.mark_failed([action.key], "429 Too Many Requests", later)
    assert outbox.get(action.key).not_before == later


def test_a_batch_with_one_bad_key_changes_nothing(outbox: Outbox) -> None:
    good, cancelled = queue(outbox), queue(outbox)
    outbox.cancel(cancelled.key, actor="technician:ann", reason="duplicate")

    with pytest.raises(InvalidTransition):
        outbox.mark_sent([good.key, cancelled.key])
    with pytest.raises(UnknownAction):
        outbox.mark_sent([good.key, "no-such-key"])

    assert outbox.get(good.key).state == S.QUEUED
    assert len(outbox.transitions(good.key)) == 1


def test_mark_failed_refuses_actions_that_were_not_sent(outbox: Outbox) -> None:
    action = queue(outbox)
    with pytest.raises(InvalidTransition, match="not sent"):
        outbox.mark_failed([action.key], "timeout", timedelta(seconds=30))


def test_cancel_withdraws_only_what_has_not_left(outbox: Outbox) -> None:
    waiting = queue(outbox)
    cancelled = outbox.cancel(waiting.key, actor="technician:ann", reason="wrong part")
    assert (cancelled.state, cancelled.state_reason) == (S.CANCELLED, "wrong part")
    gone = sent(outbox)
    with pytest.raises(InvalidTransition, match="cannot become cancelled"):
        outbox.cancel(gone.key, actor="technician:ann", reason="too late")


def test_a_proposal_moves_on_through_transition(outbox: Outbox) -> None:
    proposal = queue(outbox, S.PROPOSED)
    queued = outbox.transition(
        proposal.key, S.QUEUED, actor="technician:ann", reason="confirmed"
    )
    assert queued.state == S.QUEUED
    denied = queue(outbox, S.DENIED)
    with pytest.raises(InvalidTransition, match="it is final"):
        outbox.transition(denied.key, S.QUEUED, actor="technician:ann")


def test_unknown_keys_raise_unknown_action(outbox: Outbox) -> None:
    for call in (
        lambda: outbox.get("nope"),
        lambda: outbox.transitions("nope"),
        lambda: outbox.cancel("nope", actor="a", reason="r"),
        lambda: outbox.mark_result("nope", S.APPLIED, "r"),
    ):
        with pytest.raises(UnknownAction) as raised:
            call()
        assert raised.value.record_id == "nope"


def test_count_by_state_counts_every_state(outbox: Outbox) -> None:
    for state in (S.QUEUED, S.QUEUED, S.DENIED, S.AWAITING_APPROVAL):
        queue(outbox, state)
    action = sent(outbox)
    outbox.mark_result(action.key, S.APPLIED, "done")

    counts = outbox.count_by_state()

    assert list(counts) == list(ActionState)
    assert {s: n for s, n in counts.items() if n} == {
        S.QUEUED: 2,
        S.DENIED: 1,
        S.AWAITING_APPROVAL: 1,
        S.APPLIED: 1,
    }


def test_list_shows_newest_first_filtered_and_paged(outbox: Outbox) -> None:
    actions = [queue(outbox, state) for state in (S.QUEUED, S.DENIED, S.QUEUED)]
    assert [a.seq for a in outbox.list()] == [3, 2, 1]
    assert [a.seq for a in outbox.list(states=[S.QUEUED])] == [3, 1]
    assert [a.seq for a in outbox.list(states=[S.QUEUED, S.DENIED], limit=2)] == [3, 2]
    assert [a.seq for a in outbox.list(limit=1, offset=2)] == [1]
    assert outbox.list(states=[]) == []
    assert outbox.list()[-1] == actions[0]


def test_acknowledge_needs_a_final_state_and_keeps_the_first_time(
    outbox: Outbox, clock: FakeClock
) -> None:
    action = sent(outbox)
    with pytest.raises(InvalidTransition, match="only final actions"):
        outbox.acknowledge([action.key])
    outbox.mark_result(action.key, S.APPLIED, "done")
    outbox.acknowledge([action.key])
    first = outbox.get(action.key).acknowledged_at
    clock.advance(timedelta(hours=1))
    outbox.acknowledge([action.key])
    assert first is not None and outbox.get(action.key).acknowledged_at == first


def test_prune_removes_only_acknowledged_final_actions(
    outbox: Outbox, clock: FakeClock
) -> None:
    done = sent(outbox)
    outbox.mark_result(done.key, S.APPLIED, "done")
    waiting = queue(outbox)
    unacknowledged = queue(outbox, S.DENIED)
    shared = sample_trace("shared")
    with outbox.atomic():
        twins = [
            outbox.enqueue(**sample_parts(), trace=shared, state=S.DENIED) for _ in "ab"
        ]
    outbox.acknowledge([done.key, twins[0].key])
    cutoff = clock()
    clock.advance(timedelta(minutes=1))
    outbox.acknowledge([twins[1].key])

    assert outbox.prune_acknowledged(cutoff) == 2

    with pytest.raises(UnknownAction):
        outbox.get(done.key)
    assert {a.key for a in outbox.list()} == {
        waiting.key,
        unacknowledged.key,
        twins[1].key,
    }
    assert outbox.get_trace("shared").trace_id == "shared"  # still referred to
    assert outbox.count_by_state()[S.APPLIED] == 0
    assert outbox.verify_chain() is None
    assert outbox.prune_acknowledged(clock()) == 1
    assert outbox.verify_chain() is None


def test_a_pruned_actions_key_is_never_given_out_again(outbox: Outbox) -> None:
    action = queue(outbox, S.DENIED)
    outbox.acknowledge([action.key])
    outbox.prune_acknowledged(
        outbox.get(action.key).acknowledged_at or action.created_at
    )
    rows = outbox.db.execute("SELECT key, seq FROM pruned_actions").fetchall()
    assert rows == [(action.key, 1)]
    assert queue(outbox).seq == 2
