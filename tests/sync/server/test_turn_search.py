"""A text search of the turns reads each turn's search text (every string of
its spans) instead of its whole JSON, and finds what a search of the JSON
found; turns held before version 10 are given their text by the migration."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.server.storage import Storage
from sync.server.storage.schema import schema_migrations, traces
from sync.server.storage.turn_text import fill_turn_texts, turn_text
from sync.server.turn_log import LogFilter, turn_page
from tests.sync.server.journal_support import ask, deny, save, send, span
from tests.sync.server.support import Harness, harness
from tests.sync.server.test_storage import together

NEEDLES = (
    "e-42",
    "PUMP shows",
    "100%",
    "100_a",
    "0_A",
    'says "stop"',
    "c:\\valves",
    "\\",
    "grinding",
    "QUANTITY above",
    "order_part",
    "code_lookup",
    "edge.retrieval",
    "Ölpumpe",
    "ölpumpe",
    "nothing says this",
)
"""Words in a question, an error, a reason, a route, a span's name; upper and
lower case; ``%``, ``_``, quotes and a backslash, which must stay literal."""


@pytest.fixture
def centre(tmp_path: Path, database_url: str):
    """The service on a SQLite file, then on PostgreSQL.

    Why: LIKE and ILIKE differ by backend, and both must find the same turns
    in the search text as in the spans.
    """
    with harness(tmp_path, database_url) as running:
        yield running


def fill_log(centre: Harness) -> None:
    """Turns of two devices sent through their real journals."""
    ann, bob = centre.enrol("dev-ann", "ann"), centre.enrol("dev-bob", "bob")
    ask(ann, "a1", "Pump shows E-42 on start", route="code_lookup")
    ask(ann, "a2", "Where is the 100% filter?")
    ask(ann, "a3", "Is 100_A the part for the Ölpumpe?")
    ask(bob, "b1", 'The panel says "stop" at C:\\valves')
    save(bob, "b2", "ask", [span("root", "invoke_agent", 0, 50, None, "grinding")])
    deny(bob, "quantity above 50")
    send(centre, ann)
    send(centre, bob)


def found(storage: Storage) -> dict[str, set[str]]:
    """The turns each needle finds (all on one page)."""
    return {
        needle: {
            turn.trace_id
            for turn in turn_page(storage, LogFilter(text=needle), limit=100).rows
        }
        for needle in NEEDLES
    }


def test_the_search_text_finds_the_turns_the_spans_did(centre: Harness) -> None:
    fill_log(centre)
    storage = centre.services.storage

    searched = found(storage)
    with storage.write() as connection:  # as a search of the spans read them
        connection.execute(traces.update().values(search_text=None))
    assert found(storage) == searched

    assert searched["e-42"] == searched["PUMP shows"] == {"a1"}
    assert searched["100%"] == {"a2"} and searched["0_A"] == {"a3"}
    assert searched['says "stop"'] == searched["c:\\valves"] == {"b1"}
    assert searched["\\"] == {"b1"}
    assert searched["grinding"] == {"b2"}  # in the error only
    assert searched["code_lookup"] == {"a1"}  # the route
    denied = searched["QUANTITY above"]  # in the reason only
    assert len(denied) == 1 and denied <= searched["order_part"]
    assert {"a1", "a2", "a3", "b1"} <= searched["edge.retrieval"]
    assert "a3" in searched["Ölpumpe"]
    assert searched["nothing says this"] == set()


def test_a_turn_sent_again_gets_the_text_of_its_new_spans(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    ask(device, "a1", "Pump shows E-42")
    send(centre, device)
    ask(device, "a1", "Fan shows F-07")
    send(centre, device)
    storage = centre.services.storage

    def ids(text: str) -> set[str]:
        return {t.trace_id for t in turn_page(storage, LogFilter(text=text)).rows}

    assert ids("f-07") == {"a1"} and ids("e-42") == set()


def test_the_text_holds_each_string_of_the_spans_once_escaped() -> None:
    spans = [
        {
            "name": "chat",
            "attributes": {"q": 'say "hi"\nnow', "n": 3, "t": ["a", "chat"]},
        }
    ]

    text = turn_text(spans)

    assert text.split("\n") == ["chat", 'say \\"hi\\"\\nnow', "a"]
    assert turn_text([]) == "" and turn_text([{"n": 1, "x": None}]) == ""


def test_turns_held_before_version_ten_are_given_their_text(database_url: str) -> None:
    storage = Storage.open(database_url)
    spans = [
        [{"name": f"turn {n}", "attributes": {"edge.query": f"q-{n}"}}]
        for n in range(5)
    ]
    with storage.write() as connection:  # as a version 9 centre left it
        connection.execute(traces.insert(), [_row(n, s) for n, s in enumerate(spans)])
        connection.execute(
            traces.insert(), [{**_row(9, []), "trace_id": "t-bad", "spans": "{no"}]
        )
        connection.execute(sa.text("DROP INDEX IF EXISTS traces_search"))
        connection.execute(sa.text("ALTER TABLE traces DROP COLUMN search_text"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 10)
        )
    storage.close()

    upgraded = [Storage.open(database_url, migrate=False) for _ in range(2)]
    try:
        assert sorted(together(*(s.migrate for s in upgraded))) == [0, 1]
        with upgraded[0].read() as connection:
            query = sa.select(traces.c.trace_id, traces.c.search_text)
            held = {row.trace_id: row.search_text for row in connection.execute(query)}
        assert held.pop("t-bad") is None  # searched in its spans, as before
        assert held == {f"t-{n}": turn_text(s) for n, s in enumerate(spans)}
        rows = turn_page(upgraded[0], LogFilter(text="Q-3")).rows
        assert [t.trace_id for t in rows] == ["t-3"]
        assert upgraded[0].migrate() == 0
        if upgraded[0].dialect == "sqlite":  # the search reads this index
            indexes = sa.inspect(upgraded[0].engine).get_indexes("traces")
            assert "traces_search" in {index["name"] for index in indexes}
    finally:
        for storage in upgraded:
            storage.close()


def test_the_texts_are_filled_in_batches_to_the_last_turn(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    try:
        with storage.write() as connection:
            rows = [_row(n, [{"name": f"turn {n}"}]) for n in range(7)]
            connection.execute(traces.insert(), rows)
            assert fill_turn_texts(connection, batch=2) == 7
            assert fill_turn_texts(connection, batch=2) == 0
            texts = set(connection.scalars(sa.select(traces.c.search_text)))
        assert texts == {f"turn {n}" for n in range(7)}
    finally:
        storage.close()


def _row(n: int, spans: object) -> dict[str, object]:
    return {
        "device_id": "dev-old",
        "trace_id": f"t-{n}",
        "name": "ask",
        "start_ns": n,
        "end_ns": n + 1,
        "spans": json.dumps(spans),
        "saved_at": datetime(2026, 3, 2, 8, n, tzinfo=UTC),
    }
