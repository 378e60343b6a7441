"""The chat's history on disk: turns kept in order, answers drawn again from
what was kept, retention, and damaged files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from edge_agent.answer.values import (
    AbsentCode,
    Answer,
    Citation,
    Fact,
    Route,
    Unsupported,
)
from edge_agent.conversations import (
    ActionOutcome,
    Conversation,
    ConversationStore,
    Retention,
    Turn,
    TurnKind,
    TurnState,
    shortened_title,
)
from edge_agent.conversations.encoding import FORMAT
from edge_agent.conversations.migrations import migrations
from edge_agent.errors import HistoryUnavailable

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

CODE_ANSWER = Answer(
    question="E-42 and E-99 on the pump",
    route=Route.CODE_LOOKUP,
    facts=(Fact("E-42: Motor overload trip", "fault-codes.csv#14"),),
    model_sentences=("Let the motor cool before a restart.",),
    unsupported=(
        Unsupported("E-42 means low oil.", ("E-42: meaning differs",)),
        Unsupported("Replace part 9999.", ("part 9999 not cited",)),
    ),
    citations=(
        Citation("fault-codes.csv#14", "fault-codes.csv", "E-42"),
        Citation("pump-manual.pdf#3", "pump-manual.pdf", "Overload", page=12),
    ),
    closest=(Citation("fault-codes.csv#15", "fault-codes.csv", "E-43"),),
    absent=(
        AbsentCode(
            "E-99",
            "e99",
            closest=(Fact("E-98: Sensor fault", "fault-codes.csv#16"),),
        ),
    ),
    notices=("E-99 is not in the knowledge base.",),
    timings={"total": 0.4},
    tokens={"completion": 12},
    model_id="smollm2",
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "conversations.db"


@pytest.fixture
def store(path: Path, clock: Clock) -> Iterator[ConversationStore]:
    with ConversationStore.open(path, clock=clock) as opened:
        yield opened


def conversation(cid: str = "c1", title: str = "E-42", job: str | None = None):
    return Conversation(cid, START, START, title, "ann", job)


def question(seq: int, text: str, answer: Answer | None = None, **fields) -> Turn:
    return Turn(
        seq=seq,
        kind=TurnKind.QUESTION,
        text=text,
        asked_at=START + timedelta(minutes=seq),
        state=fields.pop("state", TurnState.ANSWERED),
        answer=answer,
        **fields,
    )


def test_a_finished_answer_comes_back_as_the_chat_showed_it(
    path: Path, clock: Clock
) -> None:
    with ConversationStore.open(path, clock=clock) as store:
        store.record(conversation(), question(1, "E-42", CODE_ANSWER, trace_id="t1"))

    with ConversationStore.open(path, clock=clock) as reopened:
        (turn,) = reopened.turns("c1")

    kept = turn.answer
    assert kept is not None
    assert (turn.state, turn.trace_id, turn.text) == (TurnState.ANSWERED, "t1", "E-42")
    assert turn.asked_at == START + timedelta(minutes=1)
    shown = ("question", "route", "facts", "model_sentences", "extractive")
    for name in shown + ("citations", "closest", "absent", "notices"):
        assert getattr(kept, name) == getattr(CODE_ANSWER, name), name
    assert kept.text == CODE_ANSWER.text
    assert len(kept.unsupported) == 2 and not kept.grounded
    assert "low oil" not in path.read_bytes().decode("utf-8", "replace")


def test_model_text_that_was_not_shown_is_not_kept(store: ConversationStore) -> None:
    quotes_only = Answer(
        "how to prime the pump",
        Route.RETRIEVAL,
        facts=(Fact("Open the vent screw.", "pump-manual.pdf#7"),),
        model_sentences=("Prime it with water.",),
        extractive=True,
    )
    store.record(conversation(), question(1, "how to prime", quotes_only))

    (turn,) = store.turns("c1")
    assert turn.answer is not None and turn.answer.model_sentences == ()
    assert turn.answer.text == quotes_only.text


def test_turns_come_back_in_the_order_asked_whatever_the_order_kept(
    store: ConversationStore,
) -> None:
    talk = conversation()
    store.record(talk, question(2, "second", CODE_ANSWER))
    store.record(talk, question(1, "first", state=TurnState.FAILED, failure="boom"))
    store.record(talk, question(3, "third", CODE_ANSWER, state=TurnState.CANCELLED))

    turns = store.turns("c1")
    assert [t.text for t in turns] == ["first", "second", "third"]
    assert turns[0].answer is None and turns[0].failure == "boom"
    assert turns[2].state is TurnState.CANCELLED
    (listed,) = store.recent()
    assert listed.turn_count == 3 and listed.title == "E-42"


def test_an_action_card_is_kept_again_when_its_outcome_is_known(
    store: ConversationStore, clock: Clock
) -> None:
    talk = conversation()
    proposed = ActionOutcome("order_part", "confirm", "order_part: 2 x gasket")
    turn = Turn(1, TurnKind.ACTION, "order two gaskets", START, TurnState.PROPOSED)
    store.record(talk, Turn(**{**_fields(turn), "action": proposed}))
    clock.advance(minutes=2)
    settled = ActionOutcome(
        "order_part",
        "confirm",
        "order_part: 2 x gasket",
        "Recorded as action 4: queued.",
        "good",
        action_seq=4,
        action_state="queued",
    )
    store.record(
        talk,
        Turn(**{**_fields(turn), "state": TurnState.SETTLED, "action": settled}),
    )

    (kept,) = store.turns("c1")
    assert kept.kind is TurnKind.ACTION and kept.state is TurnState.SETTLED
    assert kept.action == settled
    (listed,) = store.recent()
    assert listed.last_activity_at == START + timedelta(minutes=2)
    assert listed.started_at == START and listed.turn_count == 1


def _fields(turn: Turn) -> dict[str, object]:
    return {name: getattr(turn, name) for name in Turn.__slots__}


def test_conversations_are_listed_most_recently_active_first(
    store: ConversationStore, clock: Clock
) -> None:
    for cid in ("a", "b", "c"):
        store.record(conversation(cid, title=cid), question(1, cid, CODE_ANSWER))
        clock.advance(minutes=1)
    store.record(conversation("a"), question(2, "again", CODE_ANSWER))

    assert [c.conversation_id for c in store.recent()] == ["a", "c", "b"]
    assert [c.conversation_id for c in store.recent(limit=1)] == ["a"]
    assert store.conversation("b") is not None and store.conversation("x") is None


def test_retention_keeps_the_newest_and_drops_the_idle_with_their_turns(
    store: ConversationStore, clock: Clock
) -> None:
    for cid in ("old", "b", "c", "d"):
        store.record(conversation(cid), question(1, cid, CODE_ANSWER))
        clock.advance(days=10)

    assert store.prune(Retention(conversations=10, days=35)) == 1  # "old": 40 days
    assert store.prune(Retention(conversations=2, days=365)) == 1  # "b"
    assert [c.conversation_id for c in store.recent()] == ["d", "c"]
    assert store.turns("old") == [] and store.turns("b") == []
    left = store.db.execute("SELECT count(*) FROM turns").fetchone()[0]
    assert left == 2


def test_a_turn_of_a_newer_format_shows_what_was_asked_and_why_not_more(
    store: ConversationStore,
) -> None:
    store.record(conversation(), question(1, "E-42", CODE_ANSWER))
    store.record(conversation(), question(2, "E-43", CODE_ANSWER))
    store.db.execute("UPDATE turns SET format = ? WHERE seq = 1", [FORMAT + 1])
    store.db.execute("UPDATE turns SET body = '{\"answer\": 3}' WHERE seq = 2")
    store.db.conn.commit()

    first, second = store.turns("c1")
    assert (first.state, first.text, first.answer) == (
        TurnState.UNREADABLE,
        "E-42",
        None,
    )
    assert "newer version of the app" in first.failure
    assert second.state is TurnState.UNREADABLE and "damaged" in second.failure


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a database, just some text\n" * 40,
        b"SQLite format 3\x00" + bytes(range(256)) * 8,
    ],
    ids=["text", "sqlite-header-then-garbage"],
)
def test_a_damaged_file_is_reported_clearly_and_left_untouched(
    path: Path, content: bytes
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)

    with pytest.raises(HistoryUnavailable) as raised:
        ConversationStore.open(path)

    message = raised.value.message
    assert str(path) in message and "damaged or not a database" in message
    assert "move it aside" in message and "kept in memory only" in message
    assert raised.value.title == "Chat history unavailable"
    assert path.read_bytes() == content


def test_the_file_is_wal_with_full_sync_and_foreign_keys(
    store: ConversationStore,
) -> None:
    pragma = store.db.execute
    assert pragma("PRAGMA journal_mode").fetchone() == ("wal",)
    assert pragma("PRAGMA synchronous").fetchone() == (2,)
    assert pragma("PRAGMA foreign_keys").fetchone() == (1,)


def schema(db: Database) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
    ).fetchall()


def test_migrations_build_the_schema_from_empty_and_reapply_as_a_no_op(
    path: Path,
) -> None:
    with ConversationStore.open(path) as store:
        assert {"conversations", "turns"} <= set(store.db.table_names())
        first = schema(store.db)
    db = Database(path)
    applied = [m.name for m in migrations.applied(db)]
    migrations.apply(db)
    assert (
        [m.name for m in migrations.applied(db)]
        == applied
        == ["m001_conversations_and_turns"]
    )
    db.close()
    with ConversationStore.open(path) as again:
        assert schema(again.db) == first


def test_a_file_of_another_program_gets_the_tables_beside_its_own(
    path: Path,
) -> None:
    path.parent.mkdir(parents=True)
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()

    with ConversationStore.open(path) as store:
        store.record(conversation(), question(1, "E-42", CODE_ANSWER))
        assert {"notes", "conversations", "turns"} <= set(store.db.table_names())


def test_a_body_is_plain_json_with_the_format_beside_it(
    store: ConversationStore,
) -> None:
    store.record(conversation(), question(1, "E-42", CODE_ANSWER))
    fmt, body = store.db.execute("SELECT format, body FROM turns").fetchone()
    assert fmt == FORMAT == 1
    assert json.loads(body)["answer"]["citations"][1] == {
        "chunk_id": "pump-manual.pdf#3",
        "document": "pump-manual.pdf",
        "section": "Overload",
        "page": 12,
    }


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("E-42", "E-42"),
        ("  what   does\nE-42 mean ", "what does E-42 mean"),
        (
            "the pump at the north site trips every morning after the first "
            "start with E-42, what now",
            "the pump at the north site trips every morning after the…",
        ),
    ],
)
def test_a_title_is_the_first_question_on_one_short_line(text: str, title: str) -> None:
    assert shortened_title(text) == title
    assert len(shortened_title(text)) <= 60
