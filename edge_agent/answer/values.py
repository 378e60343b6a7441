"""What one answer holds, and how it reads as text or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Route(StrEnum):
    """Which path answered: the lightest that could."""

    CODE_LOOKUP = "code_lookup"
    RETRIEVAL = "retrieval"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a quoted fact or a model sentence comes from."""

    chunk_id: str
    document: str
    section: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """A line quoted verbatim from the knowledge base, with its chunk."""

    text: str
    chunk_id: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A model sentence that failed the grounding check, and why; never shown."""

    sentence: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AbsentCode:
    """A code the question names that the code tables do not list.

    ``closest`` are listed codes that look like it, offered as other codes to
    check, never as this code's meaning.
    """

    code: str
    typed: str
    closest: tuple[Fact, ...] = ()

    @property
    def notice(self) -> str:
        return f"{self.code} is not in the knowledge base."


@dataclass(frozen=True, slots=True)
class AnswerEvent:
    """Progress while answering, for streaming to a terminal or the app."""

    kind: Literal["progress", "fact", "model_sentence", "dropped", "notice"]
    text: str
    chunk_id: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: quoted facts first, then checked model text, if any."""

    question: str
    route: Route
    facts: tuple[Fact, ...] = ()
    model_sentences: tuple[str, ...] = ()
    unsupported: tuple[Unsupported, ...] = ()
    extractive: bool = False
    citations: tuple[Citation, ...] = ()
    closest: tuple[Citation, ...] = ()
    absent: tuple[AbsentCode, ...] = ()
    notices: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    tokens: Mapping[str, int] = field(default_factory=dict)
    model_id: str | None = None

    @property
    def grounded(self) -> bool:
        """No model sentence failed the grounding check."""
        return not self.unsupported

    @property
    def text(self) -> str:
        return render_answer(self)


def render_answer(answer: Answer) -> str:
    """The answer as the technician reads it in a terminal."""
    lines = [*answer.notices, *closest_code_lines(answer)]
    if answer.facts:
        lines.append("From the knowledge base:")
        lines.extend(f"  {fact.text}  [{fact.chunk_id}]" for fact in answer.facts)
    if answer.model_sentences and not answer.extractive:
        lines.append("Model explanation (checked against the sources):")
        lines.extend(f"  {sentence}" for sentence in answer.model_sentences)
    if answer.closest:
        lines.append("Closest entries:")
        lines.extend(
            f"  {c.section or c.document}  [{c.chunk_id}]" for c in answer.closest
        )
    return "\n".join(lines)


def closest_code_lines(answer: Answer) -> list[str]:
    """For each code not in the KB, the listed codes that look like it."""
    lines = []
    for absent in answer.absent:
        if absent.closest:
            lines.append(
                f"Listed codes close to {absent.code} (other codes, not its meaning):"
            )
            lines.extend(f"  {fact.text}  [{fact.chunk_id}]" for fact in absent.closest)
    return lines


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The JSON shape of ``edge-agent ask --json``."""

    def citation(c: Citation) -> dict[str, Any]:
        return {
            "chunk_id": c.chunk_id,
            "document": c.document,
            "section": c.section,
            "page": c.page,
        }

    return {
        "answer": answer.text,
        "route": answer.route.value,
        "facts": [{"text": f.text, "chunk_id": f.chunk_id} for f in answer.facts],
        "model_text": " ".join(answer.model_sentences) if not answer.extractive else "",
        "extractive": answer.extractive,
        "citations": [citation(c) for c in answer.citations],
        "closest": [citation(c) for c in answer.closest],
        "absent_codes": [
            {
                "code": a.code,
                "typed": a.typed,
                "closest": [
                    {"text": f.text, "chunk_id": f.chunk_id} for f in a.closest
                ],
            }
            for a in answer.absent
        ],
        "grounded": answer.grounded,
        "unsupported": [
            {"sentence": u.sentence, "reasons": list(u.reasons)}
            for u in answer.unsupported
        ],
        "notices": list(answer.notices),
        "timings": {k: round(v, 2) for k, v in answer.timings.items()},
        "tokens": dict(answer.tokens),
        "model": answer.model_id,
    }
