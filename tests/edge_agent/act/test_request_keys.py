"""A request run again finds the action it recorded, by key or as a recent twin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from edge_agent.act.request_keys import (
    RETRY_WINDOW,
    Earlier,
    RequestIdentity,
    record_once,
    recorded_before,
    request_identity,
)
from edge_agent.errors import ProposalError
from sync import ActionState, Outbox, QueuedAction
from tests.sync.outbox_support import FakeClock, make_outbox, sample_parts, sample_trace

ARGS = {"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}


@pytest.fixture
def clock() -> FakeClock:
    """The outbox's clock, so a test can move time past the retry window."""
    return FakeClock()


@pytest.fixture
def outbox(clock: FakeClock) -> Iterator[Outbox]:
    """An empty outbox in memory: real SQLite, a fake clock."""
    with make_outbox(clock=clock) as box:
        yield box


def record(outbox: Outbox, request: RequestIdentity, clock: FakeClock, **flags):
    """Record a sample action for ``request`` unless it recorded one before."""

    def enqueue() -> QueuedAction:
        return outbox.enqueue(**sample_parts(), trace=sample_trace(f"t{clock.now}"))

    return record_once(
        outbox, request, enqueue, now=clock.now, **{"again": False, **flags}
    )


def test_the_identity_covers_tool_arguments_and_technician() -> None:
    first = request_identity("order_part", ARGS, "ann")
    assert first == request_identity("order_part", dict(reversed(ARGS.items())), "ann")
    assert first != request_identity("order_part", {**ARGS, "quantity": 3}, "ann")
    assert first != request_identity("order_part", ARGS, "bob")
    assert first != request_identity("create_work_order", ARGS, "ann")
    assert request_identity("order_part", ARGS, "ann", "k-1").key == "k-1"


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "tab\there"])
def test_a_key_must_be_short_printable_text(key: str) -> None:
    with pytest.raises(ProposalError, match="idempotency key"):
        request_identity("order_part", ARGS, "ann", key)


def test_a_key_run_again_finds_its_action_and_records_nothing(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann", "order-17")
    first = record(outbox, request, clock)
    assert isinstance(first, QueuedAction)

    clock.advance(timedelta(days=3))
    again = record(outbox, request, clock)

    assert again == Earlier(first.seq, first, by_key=True)
    assert [a.seq for a in outbox.list()] == [1]


def test_a_key_used_for_another_request_is_refused(outbox, clock) -> None:
    record(outbox, request_identity("order_part", ARGS, "ann", "order-17"), clock)
    other = request_identity("order_part", {**ARGS, "quantity": 9}, "ann", "order-17")

    with pytest.raises(ProposalError, match="used for another request"):
        record(outbox, other, clock)

    assert len(outbox.list()) == 1


def test_a_key_finds_its_action_after_it_was_pruned(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann", "order-17")
    first = record(outbox, request, clock)
    assert isinstance(first, QueuedAction)
    outbox.mark_sent([first.key])
    outbox.mark_result(first.key, ActionState.APPLIED, "done")
    outbox.acknowledge([first.key])
    outbox.prune_acknowledged(clock())

    found = recorded_before(outbox, request, now=clock.now, again=False)

    assert found == Earlier(1, None, by_key=True)


def test_an_identical_request_soon_after_is_taken_as_a_retry(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann")
    first = record(outbox, request, clock)

    clock.advance(RETRY_WINDOW - timedelta(seconds=5))
    again = record(outbox, request, clock)

    assert isinstance(again, Earlier) and again.action == first
    assert not again.by_key


def test_again_records_a_second_identical_action_on_purpose(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann")
    record(outbox, request, clock)

    second = record(outbox, request, clock, again=True)

    assert isinstance(second, QueuedAction) and second.seq == 2
    assert isinstance(record(outbox, request, clock), Earlier)  # the second, now


def test_an_identical_request_after_the_window_is_a_new_one(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann")
    record(outbox, request, clock)

    clock.advance(RETRY_WINDOW + timedelta(seconds=1))

    assert isinstance(record(outbox, request, clock), QueuedAction)


def test_a_cancelled_twin_is_not_taken_as_a_retry(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann")
    first = record(outbox, request, clock)
    assert isinstance(first, QueuedAction)
    outbox.cancel(first.key, actor="ann", reason="wrong job")

    assert isinstance(record(outbox, request, clock), QueuedAction)


def test_a_failure_while_recording_leaves_neither_action_nor_key(outbox, clock) -> None:
    request = request_identity("order_part", ARGS, "ann", "order-17")

    def crash() -> QueuedAction:
        outbox.enqueue(**sample_parts(), trace=sample_trace())
        raise RuntimeError("killed before the commit")

    with pytest.raises(RuntimeError):
        record_once(outbox, request, crash, now=clock.now, again=False)

    assert outbox.list() == []
    assert recorded_before(outbox, request, now=clock.now, again=False) is None
