"""The review queue read in pages: a keyset on (received, device, sequence,
key) with the true count beside, and "all matching" decided over every page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.server.clock import utc_now
from sync.server.errors import Conflict
from sync.server.records import QueueCursor, ReviewFilter
from sync.server.review import PAGE_SIZE
from sync.server.storage import Storage
from sync.server.storage.audit import events
from sync.server.storage.migrations import SCHEMA_VERSION
from sync.server.storage.review import QUEUE_ORDER, matching
from sync.server.storage.schema import actions, schema_migrations
from tests.sync.server.queue_support import hold
from tests.sync.server.support import Harness, harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str) -> Iterator[Harness]:
    with harness(tmp_path, sqlite_url) as h:
        yield h


def held_with_ties(centre: Harness) -> list[str]:
    """Seven held actions of two devices, five of them received at one time."""
    ann = centre.enrol("dev-test-0001", technician="ann")
    bob = centre.enrol("dev-test-0002", technician="bob")
    storage, now = centre.services.storage, centre.clock.now
    tie = now - timedelta(hours=2)
    hold(storage, ann.device_id, "ann", [now - timedelta(hours=3)], first_seq=1)
    hold(storage, ann.device_id, "ann", [tie, tie, tie], first_seq=2)
    hold(storage, bob.device_id, "bob", [tie, tie], first_seq=1)
    hold(storage, bob.device_id, "bob", [now - timedelta(hours=1)], first_seq=3)
    return [item.key for item in centre.services.review.pending()]


def test_pages_with_ties_in_received_time_repeat_and_skip_nothing(
    centre: Harness,
) -> None:
    everything = held_with_ties(centre)
    review = centre.services.review

    seen, after, totals = [], None, set()
    for _ in range(5):
        page = review.page(after=after, size=3)
        seen += [item.key for item in page.items]
        totals.add(page.total)
        after = page.next_after
        if after is None:
            break

    assert len(everything) == 7 and seen == everything
    assert totals == {7}
    ann, bob = "dev-test-0001", "dev-test-0002"
    order = [(i.device_id, i.seq) for i in review.pending()]
    assert order == [(ann, 1), (ann, 2), (ann, 3), (ann, 4), (bob, 1), (bob, 2),
                     (bob, 3)]  # fmt: skip


def test_a_page_that_ends_the_queue_names_no_next_page(centre: Harness) -> None:
    held_with_ties(centre)

    assert centre.services.review.page(size=7).next_after is None
    assert centre.services.review.page(size=6).next_after is not None


def test_the_count_is_of_every_match_not_of_the_page(centre: Harness) -> None:
    held_with_ties(centre)
    review = centre.services.review

    page = review.page(ReviewFilter(device_id="dev-test-0001"), size=2)

    assert len(page.items) == 2 and page.total == 4
    assert review.count(ReviewFilter(technician_id="bob")) == 3
    assert review.count(ReviewFilter(older_than=timedelta(minutes=90))) == 6


def test_a_page_after_the_last_action_is_empty(centre: Harness) -> None:
    held_with_ties(centre)
    last = centre.services.review.pending()[-1]

    page = centre.services.review.page(after=QueueCursor.of(last))

    assert page.items == () and page.total == 7 and page.next_after is None


def test_pending_reads_past_one_page_and_stops_at_a_limit(centre: Harness) -> None:
    device = centre.enrol()
    times = [centre.clock.now - timedelta(minutes=n) for n in range(PAGE_SIZE + 30)]
    keys = hold(centre.services.storage, device.device_id, "ann", times[::-1])
    review = centre.services.review

    assert [i.key for i in review.pending()] == keys
    assert [i.key for i in review.pending(limit=PAGE_SIZE + 5)] == keys[: PAGE_SIZE + 5]


def test_all_matching_is_decided_over_every_page_and_audited(centre: Harness) -> None:
    device = centre.enrol()
    other = centre.enrol("dev-test-0002", technician="bob")
    times = [centre.clock.now - timedelta(minutes=n) for n in range(PAGE_SIZE + 20)]
    keys = hold(centre.services.storage, device.device_id, "ann", times)
    (kept,) = hold(centre.services.storage, other.device_id, "bob", times[:1])
    review = centre.services.review

    outcome = review.resolve_all(
        ReviewFilter(technician_id="ann"),
        "rejected",
        supervisor="sam",
        reason="order from stock",
        expected=PAGE_SIZE + 20,
    )

    assert {r.key for r in outcome.resolved} == set(keys) and outcome.skipped == ()
    assert [i.key for i in review.pending()] == [kept]
    with centre.services.storage.read() as connection:
        rejected = [e for e in events(connection) if e.event == "review_rejected"]
    assert len(rejected) == PAGE_SIZE + 20
    assert {e.actor for e in rejected} == {"supervisor:sam"}


def test_all_matching_is_refused_when_the_count_changed(centre: Harness) -> None:
    device = centre.enrol()
    times = [centre.clock.now - timedelta(minutes=n) for n in range(3)]
    hold(centre.services.storage, device.device_id, "ann", times)
    review = centre.services.review

    with pytest.raises(Conflict, match="selects 3 quarantined action.*not the 2"):
        review.resolve_all(
            ReviewFilter(), "applied", supervisor="sam", reason="", expected=2
        )

    assert review.count() == 3  # nothing decided


def test_a_version_eight_database_gains_the_queue_index(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    with storage.write() as connection:  # as a version 8 centre left it
        connection.execute(sa.text("DROP INDEX actions_queue"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 9)
        )
    storage.close()

    upgraded = Storage.open(sqlite_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        indexes = sa.inspect(upgraded.engine).get_indexes("actions")
        assert "actions_queue" in {index["name"] for index in indexes}
        assert upgraded.migrate() == 0
    finally:
        upgraded.close()


def test_the_queue_reads_its_index_and_filters_keep_theirs(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    plans = {}
    try:
        with storage.read() as connection:
            for name, selection in {
                "queue": ReviewFilter(),
                "device": ReviewFilter(device_id="d"),
                "technician": ReviewFilter(technician_id="t"),
            }.items():
                query = matching(sa.select(actions), selection, utc_now())
                compiled = query.order_by(*QUEUE_ORDER).limit(101).compile(connection)
                rows = connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}",
                    tuple(compiled.params[name] for name in compiled.positiontup or ()),
                )
                plans[name] = " ".join(str(row[-1]) for row in rows)
    finally:
        storage.close()

    assert plans["queue"] == "SEARCH actions USING INDEX actions_queue (status=?)"
    assert "actions_queue" in plans["device"]  # device_id is in it: read no row
    assert "actions_technician" in plans["technician"]
