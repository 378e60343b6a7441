"""The log of turns and decisions: pages of the latest received first, a
keyset cursor that neither repeats nor skips, filters, one turn found."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.server.errors import RecordNotFound, RequestInvalid
from sync.server.storage import Storage
from sync.server.storage.schema import schema_migrations
from sync.server.turn_log import (
    Cursor,
    LogFilter,
    decision_page,
    find_turn,
    turn_page,
)
from tests.sync.server.journal_support import ask, deny, send
from tests.sync.server.support import Harness, harness

LOG_INDEXES = ("traces_saved", "device_decisions_received", "device_decisions_trace")


@pytest.fixture
def centre(tmp_path: Path, database_url: str):
    """The service on a SQLite file, then on PostgreSQL.

    Why: the log's SQL (row-value cursors, text search) differs by backend.
    """
    with harness(tmp_path, database_url) as running:
        yield running


def test_pages_go_on_from_the_cursor_without_repeating_or_skipping(
    centre: Harness,
) -> None:
    ann, bob = centre.enrol("dev-ann", "ann"), centre.enrol("dev-bob", "bob")
    for n in range(4):
        ask(ann, f"ann-{n}", f"question {n}")
    send(centre, ann)  # all four received at the same moment
    centre.clock.advance(timedelta(minutes=5))
    for n in range(3):
        ask(bob, f"bob-{n}", f"question {n}")
    send(centre, bob)
    storage = centre.services.storage

    seen, after, pages = [], None, 0
    while True:
        page = turn_page(storage, after=after, limit=2)
        seen += [(t.device_id, t.trace_id) for t in page.rows]
        pages += 1
        if page.next is None:
            break
        after = Cursor.from_token(page.next.token())

    assert pages == 4 and len(seen) == len(set(seen)) == 7
    assert [d for d, _ in seen[:3]] == ["dev-bob"] * 3  # the latest received first


def test_filters_narrow_the_turns(centre: Harness) -> None:
    ann, bob = centre.enrol("dev-ann", "ann"), centre.enrol("dev-bob", "bob")
    ask(ann, "a1", "Pump shows E-42 on start", route="code_lookup")
    ask(ann, "a2", "How do I bleed the loop?")
    ask(bob, "b1", "Where is the 100% filter?", route="not_found")
    deny(bob, "quantity above 50")
    send(centre, ann)
    send(centre, bob)
    storage = centre.services.storage

    def ids(**given) -> set[str]:
        return {t.trace_id for t in turn_page(storage, LogFilter(**given)).rows}

    assert ids(text="e-42") == {"a1"}  # case does not matter
    assert ids(text="100%") == {"b1"}  # % is a character, not a wildcard
    assert ids(text="quantity above") == {t for t in ids(device_id="dev-bob")} - {"b1"}
    assert ids(technician_id="ann") == {"a1", "a2"}
    assert ids(route="code_lookup") == {"a1"}
    assert ids(kind="propose") == ids(device_id="dev-bob") - {"b1"}
    assert ids(until=centre.clock.now - timedelta(days=1)) == set()


def test_decisions_page_holds_denials_with_their_reasons(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    key = deny(device, 'quantity "60" above 50')
    send(centre, device)

    page = decision_page(centre.services.storage, LogFilter(text='"60"'))

    (decision,) = page.rows
    assert (decision.key, decision.outcome, decision.state) == (key, "deny", "denied")
    assert decision.reasons == ('quantity "60" above 50',)
    assert decision.technician_id == "ann" and page.next is None
    assert decision_page(centre.services.storage, LogFilter(kind="allow")).rows == ()


def test_a_turn_is_found_by_its_id_with_its_decisions(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    ask(device, "a1", "Pump shows E-42")
    send(centre, device)

    found = find_turn(centre.services.storage, "a1")

    assert found.turn.question == "Pump shows E-42"
    assert found.turn.route == "retrieval" and len(found.turn.spans) == 3
    with pytest.raises(RecordNotFound, match="retention"):
        find_turn(centre.services.storage, "a1", "dev-other")


def test_a_cursor_not_given_by_a_page_is_refused() -> None:
    with pytest.raises(RequestInvalid, match="first page"):
        Cursor.from_token("not-a-cursor")


def test_a_version_five_database_gains_the_log_s_indexes(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    with storage.write() as connection:  # as a version 5 centre left it
        for name in LOG_INDEXES:
            connection.execute(sa.text(f"DROP INDEX {name}"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 7)
        )
    storage.close()

    upgraded = Storage.open(sqlite_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        inspector = sa.inspect(upgraded.engine)
        names = {
            index["name"]
            for table in ("traces", "device_decisions")
            for index in inspector.get_indexes(table)
        }
        assert set(LOG_INDEXES) <= names
    finally:
        upgraded.close()
