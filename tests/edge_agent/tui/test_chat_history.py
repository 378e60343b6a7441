"""The chat is kept: conversations listed and reopened after a restart,
scrolled and copied from the keyboard, and a damaged history file."""

from __future__ import annotations

from typing import Any

from textual.notifications import Notify
from textual.widgets import Input, Static

from edge_agent.config import EdgeSettings
from edge_agent.conversations import ConversationStore, TurnKind, TurnState
from edge_agent.device import device_id
from edge_agent.tui import FieldApp, make_app
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.chunk import ChunkScreen
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.screens.history import HistoryScreen
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.past_action import PastActionCard
from edge_agent.tui.widgets.proposal_card import ProposalCard
from edge_agent.tui.widgets.transcript import Transcript
from sync import Outbox
from tests.edge_agent.tui.conftest import (
    GASKETS_CALL,
    StallingModel,
    confident_model,
    offline_deps,
    settle,
    submit,
    wait_for,
)

PART = "4471-G10-131"


def text(widget: Static) -> str:
    return str(widget.content)


def no_model_app(settings: EdgeSettings) -> FieldApp:
    """The app answering from the knowledge base alone (as ``--no-model``)."""
    return make_app(settings, offline_deps())


async def ask(pilot: Any, question: str) -> AnswerView:
    await submit(pilot, "#question", question)
    view = list(pilot.app.screen.query(AnswerView))[-1]
    await wait_for(pilot, lambda: view.settled)
    await settle(pilot)
    return view


def kept(settings: EdgeSettings) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every kept conversation (newest first): its title and its turns."""
    with ConversationStore.open(settings.layout.conversations_db) as store:
        return [
            (c.title, [(t.text, t.state.value) for t in store.turns(c.conversation_id)])
            for c in store.recent()
        ]


def shown_turns(app: FieldApp) -> list[str]:
    return [
        text(v.query_one(".question", Static)) for v in app.screen.query(AnswerView)
    ]


async def open_history(pilot: Any) -> HistoryScreen:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


async def test_a_conversation_is_listed_and_reopened_after_a_restart(
    settings: EdgeSettings,
) -> None:
    async with no_model_app(settings).run_test(size=(80, 24)) as pilot:
        await ask(pilot, "E-42")
        # On disk as soon as the turn ends, not when the app closes.
        assert kept(settings) == [("E-42", [("E-42", "answered")])]
        await ask(pilot, PART)
    assert kept(settings) == [("E-42", [("E-42", "answered"), (PART, "answered")])]

    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        welcome = text(app.screen.query_one("#welcome", Static))
        assert "\nLast conversation: “E-42” (today" in welcome
        assert "2 turns); ctrl+r then Enter reopens it." in welcome
        assert shown_turns(app) == []

        history = await open_history(pilot)
        (label,) = history.labels
        assert label[1].startswith("today ") and "2 turns" in label[1]
        assert label[1].endswith("E-42")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(shown_turns(app)) == 2)
        await settle(pilot)

        assert isinstance(app.screen, ChatScreen)
        assert shown_turns(app) == ["› E-42", f"› {PART}"]
        first, second = app.screen.query(AnswerView)
        assert "E-42: Motor overload trip [1]" in text(first.query_one(".answer-body"))
        assert "Exact lookup" in text(first.query_one(".answer-marker", Static))
        assert PART in text(second.query_one(".answer-body", Static))
        progress = text(app.screen.query_one("#progress", Static))
        assert progress == "Reopened “E-42”, 2 turns: the next question goes on in it."
        assert "Last conversation" not in text(app.screen.query_one("#welcome", Static))
        assert app.screen.query_one("#question", Input).has_focus

        await pilot.press("ctrl+o")  # the sources of the last answer open as today
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChunkScreen))
        await settle(pilot)
        assert PART in text(app.screen.query_one("#chunk-text", Static))
        await pilot.press("escape", "escape")

        await ask(pilot, "E-43")  # goes on in the reopened conversation
    ((title, turns),) = kept(settings)
    assert title == "E-42" and [t for t, _ in turns] == ["E-42", PART, "E-43"]


async def test_each_answer_keeps_its_trace_id_from_the_outbox(
    settings: EdgeSettings,
) -> None:
    async with no_model_app(settings).run_test(size=(80, 24)) as pilot:
        await ask(pilot, "E-42")
    with ConversationStore.open(settings.layout.conversations_db) as store:
        (conversation,) = store.recent()
        (turn,) = store.turns(conversation.conversation_id)
    assert turn.trace_id is not None
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        assert box.get_trace(turn.trace_id).name == "ask"


async def test_a_stopped_answer_is_kept_as_cancelled_with_what_was_found(
    settings: EdgeSettings,
) -> None:
    model = StallingModel()
    app = make_app(settings, offline_deps(model))
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot, "#question", "how do I prime the pump")
        await wait_for(pilot, model.started.is_set)
        await pilot.press("escape")
        stopped = app.screen.query_one(AnswerView)
        await wait_for(pilot, lambda: stopped.finished)
        await settle(pilot)
        body = text(stopped.query_one(".answer-body", Static))
    assert kept(settings) == [
        ("how do I prime the pump", [("how do I prime the pump", "cancelled")])
    ]

    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_history(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(shown_turns(app)) == 1)
        await settle(pilot)
        view = app.screen.query_one(AnswerView)
        assert text(view.query_one(".answer-body", Static)) == body
        assert "CANCELLED" in text(view.query_one(".answer-marker", Static))


async def test_ctrl_n_starts_a_new_conversation_with_the_next_question(
    settings: EdgeSettings,
) -> None:
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, "E-42")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: shown_turns(app) == [])
        assert "New conversation" in text(app.screen.query_one("#progress", Static))
        await ask(pilot, PART)

        history = await open_history(pilot)
        assert [label.rsplit(" ", 1)[-1] for _, label in history.labels] == [
            PART,
            "E-42",
        ]
        await pilot.press(*"e-42")
        await pilot.pause()
        assert len(history.shown_ids) == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown_turns(app) == ["› E-42"])
    # Reopening is not activity: the newest stays first until a question.
    assert [title for title, _ in kept(settings)] == [PART, "E-42"]


async def test_a_filter_that_matches_nothing_says_so_and_enter_keeps_the_list(
    settings: EdgeSettings,
) -> None:
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, "E-42")
        history = await open_history(pilot)
        await pilot.press(*"zzz", "enter")
        await pilot.pause()
        assert app.screen is history and history.shown_ids == []
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)
        assert shown_turns(app) == ["› E-42"]


async def test_page_keys_scroll_the_transcript_while_typing_goes_on(
    settings: EdgeSettings,
) -> None:
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        for question in ("E-42", PART, "E-43", "E-42"):
            await ask(pilot, question)
        transcript = app.screen.query_one(Transcript)
        box = app.screen.query_one("#question", Input)
        await pilot.pause()
        bottom = transcript.scroll_y
        assert bottom == transcript.max_scroll_y > 0

        await pilot.press("pageup")
        await pilot.pause()
        assert transcript.scroll_y < bottom and box.has_focus
        await pilot.press("E", "-")
        assert box.value == "E-"
        await pilot.press("pagedown")
        await pilot.pause()
        assert transcript.scroll_y == bottom

        await pilot.press("ctrl+home")
        await pilot.pause()
        assert transcript.scroll_y == 0 and box.has_focus
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert transcript.scroll_y == bottom
        await pilot.press("home", "4")
        assert box.value == "4E-" and box.has_focus


async def test_ctrl_y_copies_the_answer_as_plain_text_and_says_so(
    settings: EdgeSettings,
) -> None:
    seen: list[object] = []
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == ""

        await ask(pilot, "E-42")
        await ask(pilot, PART)
        await pilot.press("ctrl+y")
        await pilot.pause()
        copied = app.clipboard
        assert copied.startswith("From the knowledge base:\n")
        assert PART in copied and "Motor overload" not in copied
        assert "Exact lookup in the code tables.\nSources:\n  [1] " in copied

        first = app.screen.query(AnswerView).first()
        first.query_one("CitationList").focus()
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard.splitlines()[:2] == [
            "From the knowledge base:",
            "  E-42: Motor overload trip [1]",
        ]
        assert "Exact lookup in the code tables." in app.clipboard
        assert "Sources:\n  [1] fault-codes.csv › E-42" in app.clipboard
    notes = [m.notification for m in seen if isinstance(m, Notify)]
    assert [n.title for n in notes if n.title == "Copied"] == ["Copied", "Copied"]
    assert notes[0].message == "No answer to copy yet."


async def test_a_damaged_history_is_reported_and_the_chat_goes_on_in_memory(
    settings: EdgeSettings,
) -> None:
    damaged = b"not a database at all\n" * 50
    path = settings.layout.conversations_db
    path.write_bytes(damaged)
    seen: list[object] = []
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await settle(pilot)
        (note,) = [m.notification for m in seen if isinstance(m, Notify)]
        assert note.title == "Chat history unavailable" and note.severity == "error"
        assert str(path) in note.message and "move it aside" in note.message
        welcome = text(app.screen.query_one("#welcome", Static))
        assert "history is unavailable" in welcome and "in memory only" in welcome

        view = await ask(pilot, "E-42")
        assert "Motor overload trip" in text(view.query_one(".answer-body", Static))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        notes = [m.notification for m in seen if isinstance(m, Notify)]
        assert len(notes) == 2 and notes[1].title == "Chat history unavailable"
    assert path.read_bytes() == damaged


async def test_an_action_card_is_kept_and_shown_again_as_it_ended(
    settings: EdgeSettings,
) -> None:
    app = make_app(settings, offline_deps(confident_model([GASKETS_CALL])))
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot, "#question", f"/do order two gaskets {PART} for J-1001")
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)
        # Another press of ctrl+n while the card waited would have been refused;
        # now it is settled, a new conversation may start.
    with ConversationStore.open(settings.layout.conversations_db) as store:
        (conversation,) = store.recent()
        (turn,) = store.turns(conversation.conversation_id)
    assert conversation.title == f"/do order two gaskets {PART} for J-1001"
    assert (turn.kind, turn.state) == (TurnKind.ACTION, TurnState.SETTLED)
    assert turn.action is not None and turn.action.tool == "order_part"
    assert turn.action.decision == "confirm" and turn.trace_id

    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_history(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.screen.query(PastActionCard)))
        past = app.screen.query_one(PastActionCard)
        lines = [text(s) for s in past.query(Static)]
        assert lines[0] == f"Action request: order two gaskets {PART} for J-1001"
        assert "order_part" in lines[1] and "CONFIRM" in lines[1]
        assert lines[2] == "Declined: nothing was queued."
        assert past.has_class("-confirm")


async def test_a_waiting_card_keeps_the_conversation_from_being_replaced(
    settings: EdgeSettings,
) -> None:
    app = make_app(settings, offline_deps(confident_model([GASKETS_CALL])))
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await submit(pilot, "#question", f"/do order two gaskets {PART} for J-1001")
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await pilot.press("ctrl+n", "ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and card.is_attached
        titles = [m.notification.title for m in seen if isinstance(m, Notify)]
        assert titles == ["Not now", "Not now"]
