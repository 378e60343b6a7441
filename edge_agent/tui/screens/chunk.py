"""A cited chunk, opened from an answer or the knowledge browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import ReportsWorkerFailures

if TYPE_CHECKING:
    from knowledge_cache import Chunk


def chunk_heading(chunk: Chunk) -> str:
    """``[fault-codes.csv#14] Fault codes › E-42, page 3``."""
    where = " › ".join(part for part in (chunk.title, chunk.section) if part)
    page = f", page {chunk.page}" if chunk.page else ""
    return f"[{chunk.chunk_id}] {where}{page}"


class ChunkScreen(ReportsWorkerFailures, ModalScreen[None]):
    """Shows one chunk of the knowledge base, read in a worker; Esc closes."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, chunk_id: str) -> None:
        super().__init__()
        self.chunk_id = chunk_id

    def compose(self) -> ComposeResult:
        with Vertical(id="chunk-dialog", classes="dialog"):
            yield Static(Content(f"[{self.chunk_id}]"), classes="title")
            with VerticalScroll(classes="chunk-text"):
                yield Static(Content("Reading…"), id="chunk-text")
            yield Static(Content("Esc to close"), classes="hint")

    def on_mount(self) -> None:
        self._read()

    @work(thread=True, exit_on_error=False)
    def _read(self) -> None:
        from edge_agent.tui.tasks.knowledge import chunk
        from knowledge_cache import NotFound

        try:
            found = chunk(field_app(self).settings, self.chunk_id)
        except NotFound as exc:
            self.app.call_from_thread(self._show, f"[{self.chunk_id}]", exc.message)
            return
        self.app.call_from_thread(self._show, chunk_heading(found), found.text)

    def _show(self, heading: str, text: str) -> None:
        self.query_one(".title", Static).update(Content(heading))
        self.query_one("#chunk-text", Static).update(Content(text))

    def action_close(self) -> None:
        self.dismiss(None)
