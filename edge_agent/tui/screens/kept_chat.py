"""What the chat screen does with kept conversations and its transcript.

The base of :class:`~edge_agent.tui.screens.chat.ChatScreen`: the turns are
kept as they end (see :class:`~edge_agent.tui.chat_keeper.ChatKeeper`),
ctrl+r lists the kept conversations and reopens one (its answers marked for
the documents the centre has withdrawn since), ctrl+n starts a new one;
PageUp/PageDown and ctrl+Home/ctrl+End scroll the transcript while the
question box keeps the focus; ctrl+y copies an answer. A history that cannot
be used is said once, and the chat goes on in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

from textual import work
from textual.content import Content
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from edge_agent.conversations import TurnKind
from edge_agent.errors import HistoryUnavailable
from edge_agent.tui.chat_keeper import UNAVAILABLE_NOTE, ChatKeeper
from edge_agent.tui.chat_text import (
    BUSY,
    GONE,
    NEW_CONVERSATION,
    last_conversation_text,
    reopened_text,
    welcome_text,
)
from edge_agent.tui.context import field_app
from edge_agent.tui.messages import WorkerFailed
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.history import HistoryScreen
from edge_agent.tui.status import StatusSnapshot
from edge_agent.tui.widgets.transcript import Transcript

T = TypeVar("T")
HISTORY_GROUPS = ("history", "history-read")
"""Workers that wait on the history: writes, and reads for the screen."""


async def settled(future: Future[T]) -> T:
    """Wait for the history's thread without holding up the screen."""
    return await asyncio.wrap_future(future)


class KeptChatScreen(FieldScreen):
    """A screen with a transcript whose turns are kept (see the module)."""

    SHOWN_HERE = frozenset(HISTORY_GROUPS)

    def __init__(self) -> None:
        super().__init__()
        self._keeper: ChatKeeper | None = None
        self._kept_note = ""
        self._status_line = "Ready."

    @property
    def keeper(self) -> ChatKeeper:
        if self._keeper is None:
            app = field_app(self)
            self._keeper = ChatKeeper(app.settings, app.deps.clock)
        return self._keeper

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def busy(self) -> bool:
        """Something under way that the transcript must keep showing."""
        return False

    def on_mount(self) -> None:
        self._offer_last_conversation()

    def on_unmount(self) -> None:
        if self._keeper is not None:
            self._keeper.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if event.state is WorkerState.ERROR and worker.group in HISTORY_GROUPS:
            self._history_failed(worker.error)

    # --- keeping -------------------------------------------------------------------

    def asked(self, key: Hashable, kind: TurnKind, text: str) -> None:
        """A turn was asked: it takes its place in the conversation."""
        job = field_app(self).job_context
        self.keeper.asked(key, kind, text, None if job is None else job.job_id)

    def kept(self, written: Future[None] | None) -> None:
        """Watch a write of the history (its failure is shown once)."""
        if written is not None:
            self.run_worker(settled(written), group="history", exit_on_error=False)

    def _history_failed(self, error: BaseException | None) -> None:
        if not isinstance(error, HistoryUnavailable):
            if error is not None:
                self.app.post_message(WorkerFailed(error))
            return
        if self.keeper.failed(error):
            self._kept_note = UNAVAILABLE_NOTE
            self._show_welcome(field_app(self).status)
            self._say_unavailable()

    def _say_unavailable(self) -> None:
        problem = self.keeper.problem
        if problem is not None:
            title = problem.title or "Chat history unavailable"
            self.notify(problem.message, title=title, severity="error", timeout=15)

    # --- conversations -------------------------------------------------------------

    def action_new_conversation(self) -> None:
        """Start a new conversation with the next question."""
        if self.busy:
            self.notify(BUSY, title="Not now", severity="warning")
        else:
            self._new_conversation()

    @work(group="history-read", exclusive=True, exit_on_error=False)
    async def _new_conversation(self) -> None:
        await self.transcript.clear_turns()
        self.keeper.current.start_new()
        self.progress(NEW_CONVERSATION)

    def action_history(self) -> None:
        """List the kept conversations (Enter reopens one)."""
        if not self.keeper.available:
            self._say_unavailable()
        elif self.busy:
            self.notify(BUSY, title="Not now", severity="warning")
        else:
            self._list_history()

    @work(group="history-read", exclusive=True, exit_on_error=False)
    async def _list_history(self) -> None:
        conversations = await settled(self.keeper.history.recent())
        now = field_app(self).deps.clock()
        self.app.push_screen(HistoryScreen(conversations, now), self._chosen)

    def _chosen(self, conversation_id: str | None) -> None:
        if conversation_id is not None and not self.busy:
            self._reopen(conversation_id)

    @work(group="history-read", exclusive=True, exit_on_error=False)
    async def _reopen(self, conversation_id: str) -> None:
        kept = await settled(self.keeper.history.reopen(conversation_id))
        if kept is None:
            self.notify(GONE, title="Not kept", severity="warning")
            return
        conversation, turns = kept
        from edge_agent.tui.tasks.withdrawn import withdrawn_entries

        entries = await asyncio.to_thread(withdrawn_entries, field_app(self).settings)
        await self.transcript.clear_turns()
        await self.transcript.show_kept(turns)
        self.transcript.mark_withdrawn(entries)
        self.keeper.current.reopen(conversation, turns)
        self.progress(reopened_text(conversation, len(turns)))
        if self.keeper.available:
            self._kept_note = ""  # the offer is taken up
            self._show_welcome(field_app(self).status)

    @work(group="history-read", exit_on_error=False)
    async def _offer_last_conversation(self) -> None:
        """Name the last conversation in the welcome line, if one is kept."""
        last = await settled(self.keeper.history.recent(limit=1))
        if last:
            now = field_app(self).deps.clock()
            self._kept_note = last_conversation_text(last[0], now)
            self._show_welcome(field_app(self).status)

    # --- the transcript from the keyboard -------------------------------------

    def action_scroll_transcript(self, where: str) -> None:
        """PageUp/PageDown, ctrl+Home/ctrl+End: scroll; the focus stays."""
        self.transcript.go(where)

    def action_copy_answer(self) -> None:
        """Copy the answer the focus is in (else the last one) as plain text."""
        view = self.transcript.answer_to_copy(self.focused)
        if view is None:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(view.plain_text())
        self.notify(f"Copied the answer to “{view.question}”.", title="Copied")

    # --- drawing ------------------------------------------------------------------

    def progress(self, text: str) -> None:
        """Say ``text`` on the progress line (it stays until the next)."""
        self._status_line = text
        self.show_progress(text)

    def show_progress(self, text: str) -> None:
        """Show ``text`` on the progress line for now (a hint, say)."""
        self.query_one("#progress", Static).update(Content(text))

    def _show_welcome(self, status: StatusSnapshot | None) -> None:
        text = welcome_text(status, self._kept_note)
        self.query_one("#welcome", Static).update(Content(text))
