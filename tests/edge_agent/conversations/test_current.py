"""The conversation new turns go to: started by the first, numbered in order."""

from __future__ import annotations

from datetime import UTC, datetime

from edge_agent.conversations import Conversation, Turn, TurnKind, TurnState
from edge_agent.conversations.current import CurrentConversation

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def current() -> CurrentConversation:
    ids = iter(["first", "second"])
    return CurrentConversation("ann", clock=lambda: NOW, new_id=lambda: next(ids))


def test_the_first_turn_starts_a_conversation_titled_by_it() -> None:
    talk = current()
    assert talk.conversation is None

    one = talk.place(TurnKind.QUESTION, "what does E-42 mean", "J-1001")
    two = talk.place(TurnKind.ACTION, "order two gaskets", None)

    assert one.conversation is two.conversation
    assert (one.seq, two.seq) == (1, 2)
    started = one.conversation
    assert (started.conversation_id, started.title) == ("first", "what does E-42 mean")
    assert (started.technician_id, started.job_id, started.started_at) == (
        "ann",
        "J-1001",
        NOW,
    )
    turn = two.turn(TurnState.PROPOSED, trace_id="t2")
    assert (turn.seq, turn.kind, turn.text, turn.trace_id) == (
        2,
        TurnKind.ACTION,
        "order two gaskets",
        "t2",
    )


def test_a_request_first_is_titled_as_typed_and_a_new_one_starts_over() -> None:
    talk = current()
    first = talk.place(TurnKind.ACTION, "order two gaskets", None)
    talk.start_new()
    again = talk.place(TurnKind.QUESTION, "E-42", None)

    assert first.conversation.title == "/do order two gaskets"
    assert again.conversation.conversation_id == "second" and again.seq == 1


def test_a_reopened_conversation_goes_on_after_its_last_turn() -> None:
    talk = current()
    kept = Conversation("old", NOW, NOW, "E-42", "ann", "J-1001", turn_count=2)
    turns = [
        Turn(seq, TurnKind.QUESTION, "E-42", NOW, TurnState.ANSWERED) for seq in (1, 3)
    ]
    talk.reopen(kept, turns)

    place = talk.place(TurnKind.QUESTION, "E-43", "J-2002")
    assert place.conversation is kept and place.seq == 4
