"""Knowledge base: search it directly, or open a document section by section.

With the search box empty the list shows the documents; Enter on a document
lists its sections (pages, table rows); the highlighted section or search
result is shown on the right. Esc goes back to the documents. Each entry of
the list takes one line (a long title ends in an ellipsis); the right side
names the highlighted document in full.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from edge_agent.tui.context import field_app
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.chunk import chunk_heading

if TYPE_CHECKING:
    from knowledge_cache import Chunk, Document, SearchHit


def section_label(chunk: Chunk) -> str:
    """A section as listed: its heading path, else its page, else its id."""
    if chunk.section:
        return chunk.section
    return f"page {chunk.page}" if chunk.page else chunk.chunk_id


def hit_label(hit: SearchHit) -> str:
    """A search result as listed: its document's title and its section."""
    return f"{hit.chunk.title} › {section_label(hit.chunk)}"


class KnowledgeScreen(FieldScreen):
    """Search results, documents and sections, and the text of one."""

    MODE = "knowledge"
    AUTO_FOCUS = "#kb-search"
    BINDINGS = [
        Binding("escape", "documents", "Documents"),
        Binding("ctrl+f", "search", "Search"),
        Binding("down", "focus_list", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, Document] = {}
        self.chunks: dict[str, Chunk] = {}
        self.listing = "documents"
        """What the list shows: ``documents``, ``sections`` or ``results``."""

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder="Search the knowledge base (Enter); empty lists documents",
            id="kb-search",
        )
        yield Static("", id="kb-where")
        with Horizontal(id="kb-panes"):
            yield OptionList(id="kb-list")
            with VerticalScroll(id="kb-reader"):
                yield Static("", id="kb-text")

    def on_mount(self) -> None:
        self.action_documents()
        self.query_one("#kb-search", Input).focus()

    def action_search(self) -> None:
        self.query_one("#kb-search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#kb-list", OptionList).focus()

    def action_documents(self) -> None:
        """List every document again."""
        self._load_documents()

    @work(thread=True, exit_on_error=False, group="kb", exclusive=True)
    def _load_documents(self) -> None:
        from edge_agent.tui.tasks.knowledge import documents

        found = documents(field_app(self).settings)
        self.app.call_from_thread(self._show_documents, found)

    def _show_documents(self, found: list[Document]) -> None:
        self.listing = "documents"
        self.documents = {document.id: document for document in found}
        options = [
            Option(Content(f"{d.title or d.id}  ({d.chunk_count})"), id=d.id)
            for d in found
        ]
        text = (
            f"{len(found)} document(s). Enter lists a document's sections."
            if found
            else "The knowledge base is empty."
        )
        self._list(options, text)
        self._read("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if query:
            self._search(query)
        else:
            self.action_documents()

    @work(thread=True, exit_on_error=False, group="kb", exclusive=True)
    def _search(self, query: str) -> None:
        from edge_agent.tui.tasks.knowledge import search

        hits = search(field_app(self).settings, query)
        self.app.call_from_thread(self._show_results, query, hits)

    def _show_results(self, query: str, hits: list[SearchHit]) -> None:
        self.listing = "results"
        self.chunks = {hit.chunk_id: hit.chunk for hit in hits}
        options = [Option(Content(hit_label(hit)), id=hit.chunk_id) for hit in hits]
        text = f"{len(hits)} result(s) for '{query}'."
        if not hits:
            text = f"No match for '{query}'."
        self._list(options, text)
        if hits:
            self.query_one("#kb-list", OptionList).focus()
        else:
            self._read("")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if self.listing == "documents" and option_id in self.documents:
            self._open_document(self.documents[option_id])
        elif option_id in self.chunks:
            self.query_one("#kb-reader", VerticalScroll).focus()

    def on_option_list_option_highlighted(
        self, event: OptionList.OptionHighlighted
    ) -> None:
        option_id = event.option.id or ""
        chunk = self.chunks.get(option_id)
        document = self.documents.get(option_id)
        if self.listing != "documents" and chunk is not None:
            self._read(f"{chunk_heading(chunk)}\n\n{chunk.text}")
        elif self.listing == "documents" and document is not None:
            title = document.title or document.id
            sections = f"{document.chunk_count} section(s)"
            self._read(f"{title}\n\n{sections}; Enter lists them.")

    @work(thread=True, exit_on_error=False, group="kb", exclusive=True)
    def _open_document(self, document: Document) -> None:
        from edge_agent.tui.tasks.knowledge import sections

        found = sections(field_app(self).settings, document)
        self.app.call_from_thread(self._show_sections, document, found)

    def _show_sections(self, document: Document, found: list[Chunk]) -> None:
        self.listing = "sections"
        self.chunks = {chunk.chunk_id: chunk for chunk in found}
        options = [Option(Content(section_label(c)), id=c.chunk_id) for c in found]
        title = document.title or document.id
        self._list(options, f"{title}: {len(found)} section(s). Esc: documents.")
        self.query_one("#kb-list", OptionList).focus()

    def _list(self, options: list[Option], where: str) -> None:
        """Show ``options`` in the list and say what they are."""
        self.query_one("#kb-where", Static).update(Content(where))
        listing = self.query_one("#kb-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = 0

    def _read(self, text: str) -> None:
        self.query_one("#kb-text", Static).update(Content(text))
        self.query_one("#kb-reader", VerticalScroll).scroll_home(animate=False)
