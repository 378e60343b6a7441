"""Which outbox this is, a new one that goes on from a lost one, and request keys."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sync import (
    GENESIS_HASH,
    ActionState,
    ChainHead,
    Outbox,
    OutboxError,
    QueuedAction,
    UnknownAction,
)
from tests.sync.outbox_support import FakeClock, make_outbox, sample_parts, sample_trace


@pytest.fixture
def clock() -> FakeClock:
    """The outbox's clock, so a test can move time past a window."""
    return FakeClock()


@pytest.fixture
def outbox(clock: FakeClock) -> Iterator[Outbox]:
    """An empty outbox in memory: real SQLite, a fake clock and predictable keys."""
    with make_outbox(clock=clock) as box:
        yield box


def queue(outbox: Outbox, state: ActionState = ActionState.QUEUED) -> QueuedAction:
    return outbox.enqueue(**sample_parts(), trace=sample_trace(), state=state)


def test_each_new_outbox_gets_its_own_random_id_and_a_copy_keeps_it(
    tmp_path: Path,
) -> None:
    with make_outbox(tmp_path / "a.db") as first:
        identity = first.identity()
    with make_outbox(tmp_path / "b.db") as second:
        assert second.identity().outbox_id != identity.outbox_id
    with make_outbox(tmp_path / "a.db") as reopened:
        assert reopened.identity() == identity
    assert len(identity.outbox_id) == 32
    assert identity.head == identity.start == ChainHead(0, GENESIS_HASH)


def test_the_head_follows_each_action(outbox: Outbox) -> None:
    first, second = queue(outbox), queue(outbox)
    head = outbox.identity().head
    assert head == ChainHead(2, second.row_hash)
    assert first.row_hash != second.row_hash


def test_a_new_outbox_goes_on_from_the_head_it_is_given() -> None:
    with make_outbox() as lost:
        for _ in range(3):
            queue(lost)
        head = lost.identity().head

    with Outbox.open(
        sqlite3.connect(":memory:"), device_id="device-0001", after=head
    ) as successor:
        action = queue(successor)
        identity = successor.identity()
        assert (action.seq, action.prev_hash) == (4, head.row_hash)
        assert identity.start == head and identity.head.seq == 4
        assert successor.verify_chain() is None


def test_the_head_given_is_ignored_by_an_outbox_that_exists(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    make_outbox(path).close()
    with Outbox.open(
        path, device_id="device-0001", after=ChainHead(9, "f" * 64)
    ) as outbox:
        assert queue(outbox).seq == 1


def test_the_chain_of_an_outbox_that_goes_on_is_checked_from_its_start() -> None:
    head = ChainHead(4, "a" * 64)
    with Outbox.open(
        sqlite3.connect(":memory:"), device_id="device-0001", after=head
    ) as outbox:
        queue(outbox)
        queue(outbox)
        assert outbox.verify_chain() is None
        outbox.db.execute("UPDATE outbox_device SET start_hash = ?", ["b" * 64])
        assert outbox.verify_chain() == 5
        outbox.db.execute("UPDATE outbox_device SET start_hash = ?", ["a" * 64])
        outbox.db.execute("UPDATE outbox_device SET start_seq = 4")
        assert outbox.verify_chain() == 4


def test_a_request_key_finds_the_action_it_recorded(outbox: Outbox) -> None:
    with outbox.atomic():
        action = queue(outbox)
        outbox.bind_request(action.key, request_key="order-17", request_hash="h1")
    queue(outbox)

    found = outbox.recorded_request("order-17")

    assert found is not None and found.seq == 1 and found.action == action
    assert found.request_hash == "h1"
    assert outbox.recorded_request("order-18") is None


def test_a_request_key_names_one_action_only(outbox: Outbox) -> None:
    first, second = queue(outbox), queue(outbox)
    outbox.bind_request(first.key, request_key="order-17", request_hash="h1")

    with pytest.raises(OutboxError, match="order-17"):
        outbox.bind_request(second.key, request_key="order-17", request_hash="h1")
    with pytest.raises(OutboxError):
        outbox.bind_request(first.key, request_key="order-99", request_hash="h2")
    with pytest.raises(UnknownAction):
        outbox.bind_request("nope", request_key="x", request_hash="h")
    assert outbox.recorded_request("order-17").action == first  # type: ignore[union-attr]
    assert outbox.recorded_request("order-99") is None


def test_binding_rolls_back_with_the_action(outbox: Outbox) -> None:
    with pytest.raises(RuntimeError), outbox.atomic():
        action = queue(outbox)
        outbox.bind_request(action.key, request_key="order-17", request_hash="h1")
        raise RuntimeError("killed before the commit")

    assert outbox.recorded_request("order-17") is None
    assert outbox.list() == []


def test_a_pruned_action_keeps_its_request_key(outbox: Outbox) -> None:
    action = queue(outbox, ActionState.DENIED)
    outbox.bind_request(action.key, request_key="order-17", request_hash="h1")
    outbox.acknowledge([action.key])
    outbox.prune_acknowledged(
        outbox.get(action.key).acknowledged_at or action.created_at
    )

    found = outbox.recorded_request("order-17")

    assert found is not None and (found.seq, found.action) == (1, None)
    assert found.request_hash is None
    with pytest.raises(OutboxError, match="order-17"):
        outbox.bind_request(queue(outbox).key, request_key="order-17", request_hash="h")


def test_the_latest_request_is_found_within_its_window_and_states(
    outbox: Outbox, clock: FakeClock
) -> None:
    old = queue(outbox)
    outbox.bind_request(old.key, request_key=None, request_hash="same")
    clock.advance(timedelta(minutes=20))
    start = clock()
    recent = queue(outbox)
    outbox.bind_request(recent.key, request_key=None, request_hash="same")
    other = queue(outbox)
    outbox.bind_request(other.key, request_key=None, request_hash="other")

    assert outbox.latest_request("same", since=start) == recent
    assert outbox.latest_request("same", since=start - timedelta(hours=1)) == recent
    assert outbox.latest_request("none", since=start) is None
    outbox.cancel(recent.key, actor="ann", reason="not needed")
    kept = frozenset(ActionState) - {ActionState.CANCELLED}
    assert outbox.latest_request("same", since=start, states=kept) is None
    assert outbox.latest_request("same", since=start) == outbox.get(recent.key)
