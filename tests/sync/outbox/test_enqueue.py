"""Queueing actions and saving traces: all of it in one transaction, or nothing."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sync import (
    ActionState,
    InvalidTransition,
    Outbox,
    OutboxError,
    UnknownTrace,
    payload_hash,
)
from tests.sync.outbox_support import (
    START,
    FakeClock,
    Keys,
    make_outbox,
    sample_parts,
    sample_trace,
    table_counts,
)


class AppFailure(Exception):
    """Something else in the app's transaction failed."""


@pytest.fixture
def keys() -> Keys:
    """The outbox's id source, so a test can force a repeated key."""
    return Keys()


@pytest.fixture
def outbox(keys: Keys) -> Iterator[Outbox]:
    """An empty outbox in memory: real SQLite, a fake clock and predictable keys."""
    with make_outbox(keys=keys) as box:
        yield box


def last_seq(outbox: Outbox) -> int:
    return int(outbox.db.execute("SELECT last_seq FROM outbox_device").fetchone()[0])


def test_enqueue_stores_the_action_its_decision_evidence_and_trace(
    outbox: Outbox,
) -> None:
    parts = sample_parts()

    queued = outbox.enqueue(**parts, trace=sample_trace("turn-7"))

    assert (queued.key, queued.seq, queued.state) == ("key-0001", 1, "queued")
    assert queued.payload == parts["payload"]
    assert queued.payload_hash == payload_hash(parts["payload"])
    assert queued.decision == parts["decision"]
    assert queued.confirmation == parts["confirmation"]
    assert queued.evidence == parts["evidence"]
    assert queued.trace_id == "turn-7"
    assert queued.created_at == queued.updated_at > START
    assert queued.not_before is None and queued.acknowledged_at is None
    trace = outbox.get_trace("turn-7")
    assert len(trace.spans) == 10 and trace.name == "propose"
    assert trace.start_ns == trace.spans[0]["start_ns"] < trace.end_ns
    [first] = outbox.transitions(queued.key)
    assert (first.from_state, first.to_state, first.actor) == (None, "queued", "device")
    assert first.at == queued.created_at


def test_sequence_numbers_go_up_by_one_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    keys = Keys()
    with make_outbox(path, keys=keys) as outbox:
        first = [outbox.enqueue(**sample_parts(), trace=sample_trace()) for _ in "abc"]
    with make_outbox(path, keys=keys) as outbox:
        later = outbox.enqueue(**sample_parts(), trace=sample_trace())
    assert [a.seq for a in first] + [later.seq] == [1, 2, 3, 4]
    assert later.prev_hash == first[-1].row_hash


def test_each_action_gets_the_next_idempotency_key(outbox: Outbox) -> None:
    actions = [outbox.enqueue(**sample_parts(), trace=sample_trace()) for _ in "ab"]
    assert [a.key for a in actions] == ["key-0001", "key-0002"]


def test_a_repeated_idempotency_key_is_refused_and_nothing_is_written(
    outbox: Outbox, keys: Keys
) -> None:
    first = outbox.enqueue(**sample_parts(), trace=sample_trace("t1"))
    before = table_counts(outbox.db.conn)
    keys.repeat = first.key

    with pytest.raises(OutboxError, match="already used") as raised:
        outbox.enqueue(**sample_parts(), trace=sample_trace("t2"))

    assert raised.value.record_id == first.key
    assert table_counts(outbox.db.conn) == before
    assert last_seq(outbox) == 1


def test_an_exception_in_the_callers_transaction_enqueues_nothing(
    outbox: Outbox,
) -> None:
    outbox.enqueue(**sample_parts(), trace=sample_trace("kept"))
    before = table_counts(outbox.db.conn)
    outbox.db.execute("CREATE TABLE app_notes (note TEXT)")

    with pytest.raises(AppFailure), outbox.atomic():
        outbox.enqueue(**sample_parts(), trace=sample_trace("lost"))
        outbox.db.execute("INSERT INTO app_notes VALUES ('written with it')")
        raise AppFailure

    assert table_counts(outbox.db.conn) == before
    assert outbox.db.execute("SELECT count(*) FROM app_notes").fetchone() == (0,)
    with pytest.raises(UnknownTrace):
        outbox.get_trace("lost")
    assert last_seq(outbox) == 1
    again = outbox.enqueue(**sample_parts(), trace=sample_trace("next"))
    assert again.seq == 2  # the rolled-back number was not consumed
    assert outbox.verify_chain() is None


def test_enqueue_commits_with_the_callers_other_writes(outbox: Outbox) -> None:
    outbox.db.execute("CREATE TABLE app_notes (note TEXT)")
    with outbox.atomic():
        queued = outbox.enqueue(**sample_parts(), trace=sample_trace())
        outbox.db.execute("INSERT INTO app_notes VALUES ('written with it')")
    assert outbox.get(queued.key).seq == 1
    assert outbox.db.execute("SELECT count(*) FROM app_notes").fetchone() == (1,)


def test_a_failed_enqueue_in_a_nested_block_keeps_the_outer_work(
    outbox: Outbox,
) -> None:
    with outbox.atomic():
        kept = outbox.enqueue(**sample_parts(), trace=sample_trace("kept"))
        with pytest.raises(AppFailure), outbox.atomic():
            outbox.enqueue(**sample_parts(), trace=sample_trace("lost"))
            raise AppFailure
        after = outbox.enqueue(**sample_parts(), trace=sample_trace("after"))
    assert [a.seq for a in outbox.list()] == [after.seq, kept.seq] == [2, 1]
    assert [t.trace_id for t in outbox.list_traces()] == ["after", "kept"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payload": {"when": datetime(2026, 1, 1)}}, "not plain JSON"),
        ({"payload": {"reading": math.nan}}, "not plain JSON"),
        ({"evidence": ["not", "an", "object"]}, "must be a JSON object"),
        ({"decision": None}, "must be a JSON object"),
        ({"tool": ""}, "non-empty string"),
        ({"confirmation": {"payload_hash": "0" * 64}}, "different payload"),
    ],
    ids=["datetime", "nan", "list", "none", "no-tool", "confirmed-other-payload"],
)
def test_parts_that_cannot_be_queued_are_refused_before_any_write(
    outbox: Outbox, change: dict[str, object], message: str
) -> None:
    parts = {**sample_parts(), **change}
    with pytest.raises(OutboxError, match=message):
        outbox.enqueue(**parts, trace=sample_trace())
    assert table_counts(outbox.db.conn) == dict.fromkeys(
        table_counts(outbox.db.conn), 0
    )


@pytest.mark.parametrize(
    ("trace", "message"),
    [
        ({"name": "ask", "spans": []}, "trace_id"),
        ({"trace_id": "t", "name": "ask", "spans": ["x"]}, "list of objects"),
        ({"trace_id": "t", "name": "ask", "spans": [], "extra": 1}, "unknown fields"),
        ({"trace_id": "t", "name": "ask", "spans": [], "start_ns": "0"}, "integer"),
    ],
    ids=["no-id", "bad-span", "unknown-field", "bad-start"],
)
def test_a_malformed_trace_is_refused(
    outbox: Outbox, trace: dict[str, object], message: str
) -> None:
    with pytest.raises(OutboxError, match=message):
        outbox.enqueue(**sample_parts(), trace=trace)
    with pytest.raises(OutboxError, match=message):
        outbox.save_trace(trace)
    assert outbox.list_traces() == []


def test_an_action_cannot_start_as_sent(outbox: Outbox) -> None:
    with pytest.raises(InvalidTransition, match="cannot be queued as sent"):
        outbox.enqueue(**sample_parts(), trace=sample_trace(), state=ActionState.SENT)


def test_a_denied_proposal_is_recorded_but_not_pending(outbox: Outbox) -> None:
    denied = outbox.enqueue(
        **sample_parts(),
        trace=sample_trace(),
        state=ActionState.DENIED,
        reason="Orders over 500 EUR are denied.",
    )
    assert outbox.get(denied.key).state_reason == "Orders over 500 EUR are denied."
    assert outbox.pending() == []


def test_a_clock_without_time_zone_is_refused() -> None:
    with pytest.raises(OutboxError, match="no time zone"):
        make_outbox(clock=FakeClock(datetime(2026, 1, 1)))


def test_question_traces_are_saved_listed_and_replaced(outbox: Outbox) -> None:
    first = outbox.save_trace(sample_trace("q1", spans=3))
    outbox.save_trace(sample_trace("q2", spans=2))
    grown = outbox.save_trace(sample_trace("q1", spans=5))

    assert len(first.spans) == 3 and len(grown.spans) == 5
    assert outbox.get_trace("q1") == grown
    assert [t.trace_id for t in outbox.list_traces()] == ["q2", "q1"]
    assert [t.trace_id for t in outbox.list_traces(limit=1, offset=1)] == ["q1"]
    assert grown.as_dict()["spans"] == sample_trace("q1", spans=5)["spans"]


def test_a_trace_without_spans_or_times_starts_and_ends_at_zero(
    outbox: Outbox,
) -> None:
    record = outbox.save_trace({"trace_id": "t", "name": "ask", "spans": []})
    assert (record.start_ns, record.end_ns, record.spans) == (0, 0, ())


def test_an_unknown_trace_raises(outbox: Outbox) -> None:
    with pytest.raises(UnknownTrace) as raised:
        outbox.get_trace("nope")
    assert raised.value.record_id == "nope"
