"""One question and its answer, drawn as it streams.

Quoted facts from the knowledge base come first, each with the number of its
citation; the model's checked sentences follow under their own heading;
notices say what is missing or was withdrawn. When the answer is complete a
marker says how it was answered (exact lookup, quotes only, checked model
text, not in the knowledge base) and the citations are listed for opening.
Under them, a line for each cited document the centre has withdrawn since
(worked out when shown: what was kept is not changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from edge_agent.answer.values import Answer, AnswerEvent, Route, closest_code_lines
from edge_agent.depot.withdrawn import Withdrawn, withdrawn_marks
from edge_agent.tui.widgets.citations import CitationList, citation_labels

FACTS_HEADING = "From the knowledge base:"
MODEL_HEADING = "Model explanation (checked against the sources):"
NO_ANSWER = "NO ANSWER: the question could not be answered."


@dataclass(frozen=True, slots=True)
class Marker:
    """How an answer was reached, in words, and how it should stand out."""

    text: str
    tone: str


def answer_marker(answer: Answer, *, cancelled: bool = False) -> Marker:
    """The marker for a finished answer: grounded, extractive or not found."""
    dropped = len(answer.unsupported)
    if answer.route is Route.NOT_FOUND:
        return Marker("NOT IN THE KNOWLEDGE BASE: nothing here answers this.", "error")
    if answer.route is Route.CODE_LOOKUP and answer.grounded:
        return Marker("Exact lookup in the code tables.", "good")
    if cancelled:
        return Marker("CANCELLED: what was found before you stopped.", "warning")
    if answer.extractive:
        return Marker(
            "QUOTES ONLY: no checked model explanation; read the cited sources.",
            "warning",
        )
    if dropped:
        plural = "s" if dropped != 1 else ""
        return Marker(
            f"UNGROUNDED TEXT DROPPED: {dropped} model sentence{plural} did not "
            "match the sources and are not shown.",
            "warning",
        )
    return Marker("Quotes, and model text checked against them.", "good")


@dataclass(slots=True)
class _Draft:
    """What has arrived so far for one answer."""

    facts: list[tuple[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    closest_codes: list[str] = field(default_factory=list)
    """Lines naming the listed codes that look like a code not in the KB."""
    dropped: int = 0
    numbers: dict[str, int] = field(default_factory=dict)

    def number(self, chunk_id: str) -> int:
        return self.numbers.setdefault(chunk_id, len(self.numbers) + 1)


def cited_documents(answer: Answer) -> set[str]:
    """The documents ``answer`` quotes or lists as sources (a chunk id is
    ``document#n``)."""
    sources = (*answer.citations, *answer.closest)
    documents = {c.document or c.chunk_id.partition("#")[0] for c in sources}
    documents.update(fact.chunk_id.partition("#")[0] for fact in answer.facts)
    return documents


class AnswerView(Vertical):
    """A question with its streamed answer, marker and citations."""

    DEFAULT_CLASSES = "answer"

    def __init__(self, turn: int, question: str) -> None:
        super().__init__(id=f"turn-{turn}")
        self.turn = turn
        self.question = question
        self.answer: Answer | None = None
        self.cancelled = False
        self.failed = False
        self._draft = _Draft()
        self._marker = ""
        self._withdrawn: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(f"› {self.question}"), classes="question")
        yield Static(Content("…"), classes="answer-body")
        yield Static("", classes="answer-marker")
        yield CitationList()
        withdrawn = Static("", classes="answer-withdrawn")
        withdrawn.display = False
        yield withdrawn

    @property
    def finished(self) -> bool:
        return self.answer is not None

    @property
    def settled(self) -> bool:
        """Answered, stopped or failed: nothing more will come."""
        return self.finished or self.failed

    def add_event(self, event: AnswerEvent) -> None:
        """Show one streamed event (progress is shown by the screen)."""
        draft = self._draft
        if event.kind == "fact":
            draft.facts.append((event.text, event.chunk_id))
        elif event.kind == "model_sentence":
            draft.sentences.append(event.text)
        elif event.kind == "dropped":
            draft.dropped += 1
        elif event.kind == "notice" and event.text not in draft.notices:
            draft.notices.append(event.text)
        else:
            return
        self._render_body()

    def finish(self, answer: Answer) -> None:
        """Redraw from the complete answer; show the marker and the citations."""
        self.answer = answer
        draft = _Draft(notices=list(answer.notices), dropped=len(answer.unsupported))
        for citation in answer.citations:
            draft.number(citation.chunk_id)
        draft.facts = [(fact.text, fact.chunk_id) for fact in answer.facts]
        draft.closest_codes = closest_code_lines(answer)
        if not answer.extractive:
            draft.sentences = list(answer.model_sentences)
        self._draft = draft
        self._render_body()
        self._show_marker(answer_marker(answer, cancelled=self.cancelled))
        self.query_one(CitationList).show(answer.citations, answer.closest)

    def mark_withdrawn(self, entries: Sequence[Withdrawn]) -> None:
        """Say under the sources which cited documents the centre withdrew
        (of ``entries``, the device's whole list); no line when none."""
        answer = self.answer
        cited = set() if answer is None else cited_documents(answer)
        marks = withdrawn_marks(cited, entries)
        if marks == self._withdrawn:
            return
        self._withdrawn = marks
        line = self.query_one(".answer-withdrawn", Static)
        line.update(Content("\n").join(Content.styled(m, "$warning") for m in marks))
        line.display = bool(marks)

    @property
    def withdrawn_marks(self) -> list[str]:
        """The lines under the sources about withdrawn documents, as shown."""
        return list(self._withdrawn)

    def fail(self, message: str, marker: str = NO_ANSWER) -> None:
        """The turn failed (or cannot be shown); say so in place of an answer."""
        self.failed = True
        self._draft.notices.append(message)
        self._render_body()
        self._show_marker(Marker(marker, "error"))

    def plain_text(self) -> str:
        """The answer as shown, as plain text: the body, the marker and the
        sources (numbered as the body cites them)."""
        lines = [render_body(self._draft).plain]
        if self._marker:
            lines.append(self._marker)
        answer = self.answer
        if answer is not None and (answer.citations or answer.closest):
            lines.append("Sources:")
            lines.extend(
                f"  {label}"
                for label in citation_labels(answer.citations, answer.closest)
            )
        lines.extend(self._withdrawn)
        return "\n".join(lines)

    def _show_marker(self, marker: Marker) -> None:
        self._marker = marker.text
        marker_widget = self.query_one(".answer-marker", Static)
        marker_widget.update(Content(marker.text))
        marker_widget.set_classes(f"answer-marker -{marker.tone}")

    def _render_body(self) -> None:
        self.query_one(".answer-body", Static).update(render_body(self._draft))


def render_body(draft: _Draft) -> Content:
    """Notices, quoted facts with citation numbers, then checked model text."""
    lines: list[Content] = [
        Content.styled(f"! {notice}", "$warning") for notice in draft.notices
    ]
    lines.extend(Content(line) for line in draft.closest_codes)
    if draft.facts:
        lines.append(Content.styled(FACTS_HEADING, "bold"))
        for text, chunk_id in draft.facts:
            number = draft.number(chunk_id)
            lines.append(Content.assemble(f"  {text} ", (f"[{number}]", "$accent")))
    if draft.sentences:
        lines.append(Content.styled(MODEL_HEADING, "bold"))
        lines.extend(Content(f"  {sentence}") for sentence in draft.sentences)
    if draft.dropped and not draft.sentences:
        dropped = "  (model text dropped: not in the sources)"
        lines.append(Content.styled(dropped, "dim"))
    return Content("\n").join(lines) if lines else Content("…")
