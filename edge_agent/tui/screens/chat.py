"""Chat: questions and streamed answers, with their sources and markers.

Enter asks; ``/do <request>`` asks the model to propose one action, shown as a
card. Esc cancels the answer being written. Each answer runs in a worker that
opens its own session; its events come back as messages.

The first answer after a sync withdrew documents from the knowledge base
says so, once; when a sync replaces the knowledge base, the answers shown are
marked for the documents they cite that the centre withdrew.

Each turn is kept on the device as it ends (``conversations.db``): the first
question starts a conversation, ctrl+n starts a new one, ctrl+r lists the
kept ones and reopens one. PageUp/PageDown and ctrl+Home/ctrl+End scroll the
transcript while the question box keeps the focus; ctrl+y copies an answer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from edge_agent.answer.values import AnswerEvent
from edge_agent.conversations import TurnKind
from edge_agent.tui.chat_text import (
    PLACEHOLDER,
    SOURCES_HINT,
    progress_text,
    welcome_text,
)
from edge_agent.tui.context import field_app
from edge_agent.tui.failures import error_message
from edge_agent.tui.messages import AnswerFinished, AnswerStreamed
from edge_agent.tui.screens.chunk import ChunkScreen
from edge_agent.tui.screens.kept_chat import KeptChatScreen
from edge_agent.tui.status import MODEL_LOADING, StatusSnapshot
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.citations import CitationChosen, CitationList
from edge_agent.tui.widgets.proposal_card import ProposalCard
from edge_agent.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from edge_agent.jobs import Job
    from edge_agent.tui.tasks.actions import Proposed

ACTION_PREFIX = "/do "


class ChatScreen(KeptChatScreen):
    """Questions, answers as they stream, action proposals; kept as they end
    (see :class:`~edge_agent.tui.screens.kept_chat.KeptChatScreen`)."""

    MODE = "chat"
    AUTO_FOCUS = "#question"
    SHOWN_HERE = frozenset({"answers", *KeptChatScreen.SHOWN_HERE})
    BINDINGS = [
        Binding("escape", "cancel", "Cancel answer"),
        Binding("escape", "back", "Back to the question", show=False),
        Binding("ctrl+o", "sources", "Sources"),
        Binding("ctrl+r", "history", "History"),
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+y", "copy_answer", "Copy"),
        Binding("pageup", "scroll_transcript('page_up')", show=False),
        Binding("pagedown", "scroll_transcript('page_down')", show=False),
        Binding("ctrl+home", "scroll_transcript('first')", show=False),
        Binding("ctrl+end", "scroll_transcript('last')", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._answering: dict[int, threading.Event] = {}
        self._sentences: dict[int, tuple[int, int]] = {}
        self._cards: list[ProposalCard] = []
        self._kb_version: int | None = None
        """The KB version the answers shown were last checked against."""

    def compose_body(self) -> ComposeResult:
        yield Transcript(welcome_text(None))
        yield Static("", id="job-context")
        yield Static(Content("Ready."), id="progress")
        yield Input(placeholder=PLACEHOLDER, id="question")

    def on_mount(self) -> None:
        app = field_app(self)
        self.watch(app, "job_context", self._show_job, init=True)
        self.watch(app, "status", self._show_welcome, init=True)
        self.watch(app, "status", self._check_withdrawn, init=True)
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
        view = self.transcript.new_answer(question)
        turn = view.turn
        self.asked(turn, TurnKind.QUESTION, question)
        cancel = threading.Event()
        self._answering[turn] = cancel
        self._sentences[turn] = (0, 0)
        self.progress("… searching the knowledge base")
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
        answered = answer_question(
            app.settings,
            app.deps.model,
            question,
            on_event=streamed,
            cancel=cancel,
            job_id=None if job is None else job.job_id,
        )
        self.post_message(AnswerFinished(turn, answered.answer, answered.trace_id))

    def on_answer_streamed(self, message: AnswerStreamed) -> None:
        view = self.transcript.view(message.turn)
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
            self.progress(text + (waiting if kind == "progress" else ""))
        self._follow()

    def on_answer_finished(self, message: AnswerFinished) -> None:
        view = self.transcript.view(message.turn)
        if view is None:
            return
        self._answering.pop(message.turn, None)
        view.finish(message.answer)
        self.kept(
            self.keeper.answered(
                message.turn,
                message.answer,
                message.trace_id,
                cancelled=view.cancelled,
            )
        )
        if not self._answering:
            route = message.answer.route.value.replace("_", " ")
            self.progress("Cancelled." if view.cancelled else f"Answered ({route}).")
        self.refresh_bindings()
        self._follow()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if event.state is WorkerState.ERROR and worker.group == "answers":
            self._answer_failed(worker.error)

    def _answer_failed(self, error: BaseException | None) -> None:
        for turn in self._answering:
            view = self.transcript.view(turn)
            if view is not None and not view.finished:
                message = error_message(error) if error else None
                failure = message or "The answer failed; details are in the log."
                view.fail(failure)
                self._answering.pop(turn, None)
                self.kept(self.keeper.answer_failed(turn, failure))
                break
        if not self._answering:
            self.progress("Ready.")
        self.refresh_bindings()

    # --- withdrawn documents -------------------------------------------------

    def _check_withdrawn(self, status: StatusSnapshot | None) -> None:
        """A new KB (a sync, here or elsewhere) may have withdrawn documents
        that answers shown cite."""
        if status is not None and status.kb_version != self._kb_version:
            self._kb_version = status.kb_version
            self._read_withdrawn()

    @work(thread=True, exit_on_error=False, group="withdrawn", exclusive=True)
    def _read_withdrawn(self) -> None:
        from edge_agent.tui.tasks.withdrawn import withdrawn_entries

        entries = withdrawn_entries(field_app(self).settings)
        self.app.call_from_thread(self.transcript.mark_withdrawn, entries)

    # --- actions ----------------------------------------------------------------

    def request_action(self, request: str) -> ProposalCard:
        """Ask the model to turn ``request`` into one decided action."""
        card = ProposalCard(request)
        self.asked(card, TurnKind.ACTION, request)
        self._cards.append(card)
        self.transcript.add(card)
        job = field_app(self).job_context
        self._propose(card, request, None if job is None else job.job_id)
        return card

    @work(thread=True, exit_on_error=False, group="proposals")
    def _propose(self, card: ProposalCard, request: str, job_id: str | None) -> None:
        from edge_agent.tui.tasks.actions import propose

        app = field_app(self)
        proposed = propose(app.settings, app.deps.model, request, job_id=job_id)
        self.app.call_from_thread(self._decided, card, proposed)

    def _decided(self, card: ProposalCard, proposed: Proposed) -> None:
        """Keep the decided card, then show it (its outcome is kept after)."""
        self.kept(self.keeper.decided(card, proposed))
        card.show_proposed(proposed)

    def on_proposal_card_outcome_shown(
        self, message: ProposalCard.OutcomeShown
    ) -> None:
        card = message.card
        trace_id = None if card.proposed is None else card.proposed.tracer.trace_id
        written = self.keeper.card_settled(
            card, message.text, message.tone, card.recorded, trace_id
        )
        self.kept(written)

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
            view = self.transcript.view(turn)
            if view is not None:
                view.cancelled = True
        if self._answering:
            self.progress("… cancelling")
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
            self.show_progress(SOURCES_HINT)
        else:
            self.show_progress(self._status_line)

    @property
    def busy(self) -> bool:
        """An answer is being written or a card waits: the transcript stays."""
        self._cards = [card for card in self._cards if not card.settled]
        return bool(self._answering or self._cards)

    # --- drawing ------------------------------------------------------------------

    def _follow(self) -> None:
        """Keep the newest answer in view, once its new lines are laid out."""
        self.call_after_refresh(self.transcript.scroll_end, animate=False)

    def _show_job(self, job: Job | None) -> None:
        line = self.query_one("#job-context", Static)
        line.display = job is not None
        if job is not None:
            line.update(Content(f"Job {job.job_id} ({job.asset_id}): {job.summary}"))
