"""Chat: questions and streamed answers, with their sources and markers.

Enter asks; ``/do <request>`` asks the model to propose one action, shown as a
card. Esc cancels the answer being written. Each answer runs in a worker that
opens its own session; its events come back as messages.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from edge_agent.answer.values import AnswerEvent
from edge_agent.tui.context import field_app
from edge_agent.tui.failures import error_message
from edge_agent.tui.messages import AnswerFinished, AnswerStreamed
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.chunk import ChunkScreen
from edge_agent.tui.status import MODEL_LOADING, StatusSnapshot
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.citations import CitationChosen, CitationList
from edge_agent.tui.widgets.proposal_card import ProposalCard

if TYPE_CHECKING:
    from edge_agent.jobs import Job

ACTION_PREFIX = "/do "
PLACEHOLDER = "A fault code, a part number or a question; /do … proposes an action"
WELCOME = (
    "Type a fault code (E-42), a part number or a question and press Enter. "
    "'/do order two gaskets 4471-G10-131' asks for an action. Esc or ctrl+c "
    "stops an answer; Tab or ctrl+o reaches its sources."
)
SOURCES_HINT = "Sources: ↑/↓ choose, Enter opens, Esc goes back to the question."
EMPTY_KB = (
    "The knowledge base is empty: load documents with 'edge-agent kb ingest "
    "PATH', or the demo fleet with 'edge-agent demo'."
)


def welcome_text(status: StatusSnapshot | None) -> str:
    """The first lines of the chat: whether the centre is in reach, as the
    status bar says it (from the same reading), then how to begin."""
    if status is None:
        return f"Field assistant. {WELCOME}"
    connection = "online" if status.online else "offline"
    rest = EMPTY_KB if status.kb_documents == 0 else WELCOME
    return f"Field assistant, {connection}. {rest}"


def progress_text(event: AnswerEvent, kept: int, dropped: int) -> str | None:
    """The progress line for a streamed event, or ``None`` to leave it."""
    if event.kind == "progress":
        return f"… {event.text}"
    if event.kind == "fact":
        return "… quoting the knowledge base"
    if event.kind in ("model_sentence", "dropped"):
        return f"… generating, checking grounding: {kept} kept, {dropped} dropped"
    return None


class ChatScreen(FieldScreen):
    """Questions, answers as they stream, action proposals."""

    MODE = "chat"
    AUTO_FOCUS = "#question"
    SHOWN_HERE = frozenset({"answers"})
    BINDINGS = [
        Binding("escape", "cancel", "Cancel answer"),
        Binding("escape", "back", "Back to the question", show=False),
        Binding("ctrl+o", "sources", "Sources"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._turns = 0
        self._views: dict[int, AnswerView] = {}
        self._answering: dict[int, threading.Event] = {}
        self._sentences: dict[int, tuple[int, int]] = {}
        self._status_line = "Ready."

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="transcript"):
            yield Static(Content(welcome_text(None)), id="welcome")
        yield Static("", id="job-context")
        yield Static(Content("Ready."), id="progress")
        yield Input(placeholder=PLACEHOLDER, id="question")

    def on_mount(self) -> None:
        app = field_app(self)
        self.watch(app, "job_context", self._show_job, init=True)
        self.watch(app, "status", self._show_welcome, init=True)
        self.query_one("#question", Input).focus()

    # --- asking ---------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        event.input.value = ""
        if text[: len(ACTION_PREFIX)].lower() == ACTION_PREFIX:
            self.request_action(text[len(ACTION_PREFIX) :].strip())
        else:
            self.ask(text)

    def ask(self, question: str) -> AnswerView:
        """Start answering ``question``; returns the view it streams into."""
        self._turns += 1
        turn = self._turns
        view = AnswerView(turn, question)
        self._views[turn] = view
        cancel = threading.Event()
        self._answering[turn] = cancel
        self._sentences[turn] = (0, 0)
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.mount(view)
        transcript.scroll_end(animate=False)
        self._progress("… searching the knowledge base")
        self._answer(turn, question, cancel)
        self.refresh_bindings()
        return view

    @work(thread=True, exit_on_error=False, group="answers")
    def _answer(self, turn: int, question: str, cancel: threading.Event) -> None:
        from edge_agent.tui.tasks.answering import answer_question

        def streamed(event: AnswerEvent) -> None:
            self.post_message(AnswerStreamed(turn, event))

        app = field_app(self)
        job = app.job_context
        answer = answer_question(
            app.settings,
            app.deps.model,
            question,
            on_event=streamed,
            cancel=cancel,
            job_id=None if job is None else job.job_id,
        )
        self.post_message(AnswerFinished(turn, answer))

    def on_answer_streamed(self, message: AnswerStreamed) -> None:
        view = self._views.get(message.turn)
        if view is None or view.finished:
            return
        kept, dropped = self._sentences.get(message.turn, (0, 0))
        kind = message.event.kind
        kept += kind == "model_sentence"
        dropped += kind == "dropped"
        self._sentences[message.turn] = (kept, dropped)
        view.add_event(message.event)
        text = progress_text(message.event, kept, dropped)
        if text is not None and message.turn in self._answering:
            loading = field_app(self).model_state == MODEL_LOADING
            waiting = " (the model is still loading)" if loading else ""
            self._progress(text + (waiting if kind == "progress" else ""))
        self._follow()

    def on_answer_finished(self, message: AnswerFinished) -> None:
        view = self._views.get(message.turn)
        if view is None:
            return
        self._answering.pop(message.turn, None)
        view.finish(message.answer)
        if not self._answering:
            route = message.answer.route.value.replace("_", " ")
            self._progress("Cancelled." if view.cancelled else f"Answered ({route}).")
        self.refresh_bindings()
        self._follow()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if worker.group != "answers" or event.state is not WorkerState.ERROR:
            return
        for turn, view in self._views.items():
            if turn in self._answering and not view.finished:
                error = worker.error
                message = error_message(error) if error else None
                view.fail(message or "The answer failed; details are in the log.")
                self._answering.pop(turn, None)
                break
        if not self._answering:
            self._progress("Ready.")
        self.refresh_bindings()

    # --- actions ----------------------------------------------------------------

    def request_action(self, request: str) -> ProposalCard:
        """Ask the model to turn ``request`` into one decided action."""
        card = ProposalCard(request)
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.mount(card)
        transcript.scroll_end(animate=False)
        job = field_app(self).job_context
        self._propose(card, request, None if job is None else job.job_id)
        return card

    @work(thread=True, exit_on_error=False, group="proposals")
    def _propose(self, card: ProposalCard, request: str, job_id: str | None) -> None:
        from edge_agent.tui.tasks.actions import propose

        app = field_app(self)
        proposed = propose(app.settings, app.deps.model, request, job_id=job_id)
        self.app.call_from_thread(card.show_proposed, proposed)

    # --- keys -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return bool(self._answering)
        return True

    def action_cancel(self) -> None:
        """Stop the answer being written; what was found so far stays."""
        self.stop_answers()

    def stop_answers(self) -> bool:
        """Stop every answer being written (Esc here, ctrl+c anywhere); what
        was found so far stays. Whether one was being written."""
        for turn, cancel in self._answering.items():
            cancel.set()
            self._views[turn].cancelled = True
        if self._answering:
            self._progress("… cancelling")
        return bool(self._answering)

    def action_sources(self) -> None:
        """Move to the sources of the latest answer that has some."""
        for citations in reversed(list(self.query(CitationList))):
            if citations.display:
                citations.focus()
                citations.scroll_visible()
                return
        self.notify("No sources to open yet.", severity="warning")

    def action_back(self) -> None:
        """Back to the question box (from the sources, say)."""
        self.query_one("#question", Input).focus()

    def on_citation_chosen(self, message: CitationChosen) -> None:
        self.app.push_screen(ChunkScreen(message.chunk_id))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, CitationList):
            self._show_progress(SOURCES_HINT)
        else:
            self._show_progress(self._status_line)

    # --- drawing ------------------------------------------------------------------

    def _progress(self, text: str) -> None:
        self._status_line = text
        self._show_progress(text)

    def _show_progress(self, text: str) -> None:
        self.query_one("#progress", Static).update(Content(text))

    def _follow(self) -> None:
        """Keep the newest answer in view, once its new lines are laid out."""
        transcript = self.query_one("#transcript", VerticalScroll)
        self.call_after_refresh(transcript.scroll_end, animate=False)

    def _show_job(self, job: Job | None) -> None:
        line = self.query_one("#job-context", Static)
        line.display = job is not None
        if job is not None:
            line.update(Content(f"Job {job.job_id} ({job.asset_id}): {job.summary}"))

    def _show_welcome(self, status: StatusSnapshot | None) -> None:
        self.query_one("#welcome", Static).update(Content(welcome_text(status)))
