"""The sources of one answer: pick one to read the cited chunk."""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from edge_agent.answer.values import Citation


class CitationChosen(Message):
    """The technician asked to read a cited chunk."""

    def __init__(self, chunk_id: str) -> None:
        super().__init__()
        self.chunk_id = chunk_id


def citation_label(number: int, citation: Citation, *, closest: bool = False) -> str:
    """``[1] fault-codes.csv › E-42, p. 3``: where the cited text is."""
    where = " › ".join(p for p in (citation.document, citation.section) if p)
    page = f", p. {citation.page}" if citation.page else ""
    tag = "closest: " if closest else ""
    return f"[{number}] {tag}{where}{page}"


def numbered_citations(
    citations: tuple[Citation, ...], closest: tuple[Citation, ...] = ()
) -> list[tuple[int, Citation, bool]]:
    """Each cited chunk once, numbered in order, the closest entries after
    (``True`` marks those)."""
    seen: set[str] = set()
    numbered: list[tuple[int, Citation, bool]] = []
    for group, is_closest in ((citations, False), (closest, True)):
        for citation in group:
            if citation.chunk_id not in seen:
                seen.add(citation.chunk_id)
                numbered.append((len(numbered) + 1, citation, is_closest))
    return numbered


def citation_labels(
    citations: tuple[Citation, ...], closest: tuple[Citation, ...] = ()
) -> list[str]:
    """The labels of :func:`numbered_citations`, as the list shows them."""
    return [
        citation_label(number, citation, closest=is_closest)
        for number, citation, is_closest in numbered_citations(citations, closest)
    ]


class CitationList(OptionList):
    """Numbered citations (and closest entries); Enter opens the chunk."""

    def __init__(self) -> None:
        super().__init__(classes="citations")
        self.display = False

    def show(
        self, citations: tuple[Citation, ...], closest: tuple[Citation, ...] = ()
    ) -> None:
        """List the answer's citations, then the closest entries, if any."""
        self.clear_options()
        numbered = numbered_citations(citations, closest)
        for number, citation, is_closest in numbered:
            label = citation_label(number, citation, closest=is_closest)
            self.add_option(Option(Content(label), id=citation.chunk_id))
        self.display = bool(numbered)
        if numbered:
            self.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(CitationChosen(event.option.id))
