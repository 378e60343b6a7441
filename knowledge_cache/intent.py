"""What a question asks for: a fault's cause, a part, or information.

A technician who writes "genset trips after ten minutes" wants the fault
that explains it: its code-table row or the manual's troubleshooting section
for it, not a general section that shares the words ("Shutdown", "Hot
surfaces"). One who writes "need a new belt for the alternator" wants the
catalogue entry. Reading the question's intent lets ranking prefer chunks
about the kind of thing asked for (see :mod:`knowledge_cache.concepts`); it
never removes a candidate.

The cue words are data (``knowledge_cache/data/intents.toml``), plain English
of the trade rather than any knowledge base's words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from knowledge_cache.models import CodeKind

INTENTS_FILE = "intents.toml"
_CLAUSE_BREAK = re.compile(r"[,.;:?!()]+")


class Intent(StrEnum):
    """What a question asks for."""

    FAULT = "fault"
    """Reports a symptom: wants the fault that explains it."""
    PART = "part"
    """Asks for a part to order, its number or its price."""
    INFORMATION = "information"
    """Anything else: a procedure, a value, a rule, a name."""

    @property
    def subject(self) -> CodeKind | None:
        """The kind of code-table entry that answers such a question."""
        return _SUBJECTS.get(self)

    def describe(self) -> str:
        """How the question was read, for ``kb search`` and traces."""
        return _DESCRIPTIONS[self]


_SUBJECTS = {Intent.FAULT: CodeKind.FAULT_CODE, Intent.PART: CodeKind.PART_NUMBER}
_DESCRIPTIONS = {
    Intent.FAULT: "read as a fault report: fault codes and their sections first",
    Intent.PART: "read as a parts request: catalogue entries first",
    Intent.INFORMATION: "read as a question for information",
}


@dataclass(frozen=True, slots=True)
class IntentCues:
    """The cue phrases of ``intents.toml``, compiled."""

    part: re.Pattern[str]
    part_clause_ending: re.Pattern[str]
    symptom: re.Pattern[str]
    code_cues: tuple[str, ...] = ()
    """Words after which a plain number names a code ("alarm 5298")."""

    @classmethod
    def parse(cls, data: bytes) -> IntentCues:
        """Compile the cues of an ``intents.toml``.

        Raises:
            ValueError: the file is not valid TOML or a list is missing.
        """
        document = tomllib.loads(data.decode("utf-8"))
        return cls(
            part=_phrases(_strings(document, "part", "phrases")),
            part_clause_ending=_phrases(
                _strings(document, "part", "clause_endings"), suffix=r"\s*$"
            ),
            symptom=_phrases(_strings(document, "fault", "symptoms")),
            code_cues=tuple(_strings(document, "code", "cues")),
        )

    def intent(self, question: str) -> Intent:
        """What ``question`` asks for: a part when it holds a part cue, a
        fault when it reports a symptom, else information."""
        text = question.lower()
        clauses = _CLAUSE_BREAK.split(text)
        if self.part.search(text) or any(
            self.part_clause_ending.search(c) for c in clauses
        ):
            return Intent.PART
        if self.symptom.search(text):
            return Intent.FAULT
        return Intent.INFORMATION


def question_intent(question: str) -> Intent:
    """What ``question`` asks for, by the cues shipped with this package."""
    return default_cues().intent(question)


@cache
def default_cues() -> IntentCues:
    """The cues shipped with this package."""
    data = resources.files("knowledge_cache").joinpath("data", INTENTS_FILE)
    return IntentCues.parse(data.read_bytes())


def _strings(document: dict[str, Any], table: str, key: str) -> list[str]:
    values = document.get(table, {}).get(key)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{INTENTS_FILE}: [{table}] {key} must be a list of strings.")
    return values


def _phrases(phrases: Iterable[str], suffix: str = "") -> re.Pattern[str]:
    """One pattern matching any of ``phrases`` as whole words."""
    alternatives = sorted(
        {re.escape(p.lower()) for p in phrases}, key=len, reverse=True
    )
    body = "|".join(alternatives) or r"(?!)"
    return re.compile(rf"(?<![\w'#/])(?:{body})(?![\w'#/]){suffix}")
