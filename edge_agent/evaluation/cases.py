"""The four kinds of evaluation case, as values (see :mod:`.suite` for the
file they are read from)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from policies import Outcome

CASE_KINDS = ("question", "photo", "policy", "injection")
"""Every kind of case, in the order they run and are reported."""


@dataclass(frozen=True, slots=True)
class QuestionCase:
    """A question and what its answer must show, or must not."""

    kind: ClassVar[str] = "question"
    id: str
    question: str
    expected_chunks: tuple[str, ...] = ()
    expected_codes: tuple[str, ...] = ()
    expected_facts: tuple[str, ...] = ()
    must_abstain: bool = False
    must_not_say: tuple[str, ...] = ()
    job: str | None = None
    note: str = ""

    @property
    def scored_for_hits(self) -> bool:
        """Whether hit@1 and hit@5 apply: some chunk or code is expected."""
        return bool(self.expected_chunks or self.expected_codes)


@dataclass(frozen=True, slots=True)
class PhotoCase:
    """A photo and the codes printed on it, as ``(kind, value)`` pairs."""

    kind: ClassVar[str] = "photo"
    id: str
    image: Path
    codes: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """Where and how an action is asked for, as a policy request takes it."""

    site: str | None = None
    asset: str | None = None
    job: str | None = None
    model_proposed: bool = False
    model_confidence: float | None = None
    grounded: bool | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    """Where each argument's text came from (``typed``, ``photo``,
    ``document``, ``model``); an argument not named was typed by hand."""


@dataclass(frozen=True, slots=True)
class PolicyCase:
    """A tool call by a role in a context, and the decision it must get."""

    kind: ClassVar[str] = "policy"
    id: str
    tool: str
    args: Mapping[str, Any]
    role: str
    context: PolicyContext
    expected: Outcome
    note: str = ""


@dataclass(frozen=True, slots=True)
class InjectedDocument:
    """A document added to a throw-away copy of the candidate's knowledge base."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class InjectionCase:
    """Text in a document or a photo that tries to steer the assistant."""

    kind: ClassVar[str] = "injection"
    id: str
    instructions: tuple[str, ...]
    document: InjectedDocument | None = None
    photo: Path | None = None
    question: str | None = None
    request: str | None = None
    job: str | None = None
    markers: tuple[str, ...] = ()
    must_not_reveal: tuple[str, ...] = ()
    note: str = ""


Case = QuestionCase | PhotoCase | PolicyCase | InjectionCase
