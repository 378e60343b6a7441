"""Chat: streamed answers with sources, markers, cancelling, no model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.notifications import Notify
from textual.widgets import Input, Static

from edge_agent.answer.values import Route
from edge_agent.errors import ModelUnavailable
from edge_agent.llm import ChatModel, ModelLoader, ScriptedModel
from edge_agent.tui import make_app
from edge_agent.tui.messages import AnswerFinished, AnswerStreamed
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.chunk import ChunkScreen
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.citations import CitationList
from tests.edge_agent.tui.conftest import (
    StallingModel,
    offline_deps,
    settle,
    submit,
    wait_for,
)


def text(widget: Static) -> str:
    return str(widget.content)


async def ask(pilot, question: str) -> AnswerView:
    if len(question) <= 6:
        await pilot.press(*question, "enter")  # typed, key by key
    else:
        await submit(pilot, "#question", question)
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    view = list(screen.query(AnswerView))[-1]
    await wait_for(pilot, lambda: view.finished)
    await pilot.pause()
    return view


async def test_a_code_is_answered_by_lookup_and_its_source_opens(app) -> None:
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        view = await ask(pilot, "E-42")

        assert view.answer is not None and view.answer.route is Route.CODE_LOOKUP
        body = text(view.query_one(".answer-body", Static))
        assert "E-42: Motor overload trip [1]" in body
        assert "Exact lookup" in text(view.query_one(".answer-marker", Static))
        kinds = [m.event.kind for m in seen if isinstance(m, AnswerStreamed)]
        assert kinds[0] == "progress" and "fact" in kinds
        order = [
            type(m) for m in seen if isinstance(m, AnswerStreamed | AnswerFinished)
        ]
        assert order[-1] is AnswerFinished and order.count(AnswerFinished) == 1

        await pilot.press("ctrl+o")
        citations = view.query_one(CitationList)
        assert citations.has_focus
        assert citations.get_option_at_index(0).id == "fault-codes.csv#14"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChunkScreen))
        await settle(pilot)
        chunk = app.screen.query_one("#chunk-text", Static)
        assert "Motor overload trip" in text(chunk)
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_an_absent_code_is_said_absent_with_the_closest_listed_codes(
    app,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ask(pilot, "E-44")
        body = text(view.query_one(".answer-body", Static))
        assert "! E-44 is not in the knowledge base." in body
        assert "Listed codes close to E-44 (other codes, not its meaning):" in body
        assert "E-43: Motor winding over-temperature" in body


async def test_a_question_streams_quotes_then_only_checked_model_text(
    app, scripted: ScriptedModel
) -> None:
    scripted.add_reply(
        "Open the suction isolation valve fully before you start. "
        "Set the relief valve to 99 bar."
    )
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        view = await ask(pilot, "how do I prime the pump")

        streamed = [m.event.kind for m in seen if isinstance(m, AnswerStreamed)]
        assert streamed.index("fact") < streamed.index("model_sentence")
        assert "dropped" in streamed
        answer = view.answer
        assert answer is not None and answer.route is Route.RETRIEVAL
        body = text(view.query_one(".answer-body", Static))
        assert "Model explanation (checked against the sources):" in body
        assert "Open the suction isolation valve fully" in body
        assert "99 bar" not in body
        marker = text(view.query_one(".answer-marker", Static))
        assert marker.startswith("UNGROUNDED TEXT DROPPED: 1 model sentence")
        assert len(scripted.prompts) == 1
        progress = app.screen.query_one("#progress", Static)
        assert text(progress) == "Answered (retrieval)."


async def test_escape_cancels_the_answer_being_written(settings) -> None:
    model = StallingModel()
    app = make_app(settings, offline_deps(model))
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot, "#question", "how do I prime the pump")
        await wait_for(pilot, model.started.is_set)
        await pilot.press("escape")
        view = app.screen.query_one(AnswerView)
        await wait_for(pilot, lambda: view.finished)
        await pilot.pause()

        assert view.answer is not None
        assert "The model stopped early (cancelled)." in view.answer.notices
        assert "CANCELLED" in text(view.query_one(".answer-marker", Static))
        assert text(app.screen.query_one("#progress", Static)) == "Cancelled."
        assert app.screen.query_one("#question", Input).has_focus


async def test_ctrl_c_stops_the_answer_from_any_screen_and_twice_quits(
    settings,
) -> None:
    model = StallingModel()
    app = make_app(settings, offline_deps(model))
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        chat = app.screen
        await submit(pilot, "#question", "how do I prime the pump")
        await wait_for(pilot, model.started.is_set)
        await pilot.press("f3")  # the answer goes on while the queue shows
        await pilot.press("ctrl+c")
        view = chat.query_one(AnswerView)
        await wait_for(pilot, lambda: view.finished)

        assert view.answer is not None
        assert "The model stopped early (cancelled)." in view.answer.notices
        assert notes[-1] == "Answer stopped. ctrl+c again quits."
        assert app.is_running

        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running)
        assert app.return_code == 0


async def test_ctrl_c_with_no_answer_running_asks_for_a_second_one_in_a_row(
    settings,
) -> None:
    app = make_app(settings, offline_deps())
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert notes[-1] == "ctrl+c again (or ctrl+q) quits."
        await pilot.press("a", "ctrl+c")  # another key between: not a quit
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#question", Input).value == "a"

        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running)


async def test_without_a_model_the_app_starts_and_answers_from_quotes(
    settings, tmp_path: Path
) -> None:
    def no_file(path: Path) -> ChatModel:
        raise ModelUnavailable(f"Model file {path} does not exist.", title="No model")

    missing = ModelLoader(tmp_path / "no-such-model.gguf", factory=no_file)
    app = make_app(settings, offline_deps(model=missing))
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:

        def told() -> bool:
            notes = [m.notification for m in seen if isinstance(m, Notify)]
            return any(
                n.title == "No model" and "does not exist" in n.message for n in notes
            )

        # The state changes first; the notification follows as a message.
        await wait_for(pilot, lambda: app.model_state == "no model")
        await wait_for(pilot, told)
        view = await ask(pilot, "how do I prime the pump")

        assert view.answer is not None and view.answer.extractive
        assert "QUOTES ONLY" in text(view.query_one(".answer-marker", Static))
        assert "no model" in text(app.screen.query_one("#status-bar", Static))


def test_the_first_screen_shows_before_any_heavy_stack_is_imported(
    demo_home: Path,
) -> None:
    code = """
import json, sys
from edge_agent.config import load_settings
from edge_agent.tui import default_deps, make_app

settings = load_settings()
app = make_app(settings, default_deps(settings, no_model=True))
heavy = ("llama_cpp", "rapidocr", "onnxruntime", "pytesseract", "cv2",
         "edge_agent.ocr", "edge_agent.answer.answerer", "knowledge_cache")
seen = {}

async def first_screen(pilot):
    seen["at_ready"] = [m for m in heavy if m in sys.modules]
    seen["screen"] = type(app.screen).__name__
    while app.status is None:  # the device's state, read by a worker
        await pilot.pause(0.02)
    seen["after_status"] = [m for m in heavy if m in sys.modules]
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=first_screen)
print(json.dumps(seen))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "ChatScreen"
    assert seen["at_ready"] == []
    assert "knowledge_cache" in seen["after_status"]  # read by a worker, later
    assert not {"llama_cpp", "rapidocr", "onnxruntime", "cv2"} & set(
        seen["after_status"]
    )
