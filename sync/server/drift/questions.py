"""Grouping the questions that found nothing by similarity. Pure and
deterministic: no model at the centre.

A question becomes the set of its words: lower case, letters and digits
(codes such as ``E-42`` or ``e42`` keep their letters and digits together),
common English words left out and a plural ``s`` taken off. Two questions
are alike when their word sets overlap enough (Jaccard: shared words over
all words, at least :data:`ALIKE`). Questions are taken most asked first
(ties in text order), and each joins the first group whose first question it
is alike with, else starts a group; so the same questions always make the
same groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALIKE = 0.5
"""The Jaccard overlap from which two questions are grouped."""

_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_STOP = frozenset(
    " ".join(
        (
            "a an and are at be can do does for from how i in is it its me my of",
            "on or our please should so that the there this to up was what whats",
            "when where which who why will with you your",
        )
    ).split(" ")
)


def question_words(question: str) -> frozenset[str]:
    """The words that make a question what it is."""
    words = set()
    for found in _WORD.findall(question.lower()):
        word = re.sub(r"[-.]", "", found)
        if word in _STOP:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True, slots=True)
class Asked:
    """One time a question found nothing: on which device, in which turn."""

    device_id: str
    trace_id: str
    week: str


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Alike questions that found nothing.

    Attributes:
        question: The group's most asked wording.
        wordings: Every wording, most asked first, with its count.
        count: How many turns asked them.
        devices: The devices that asked, sorted.
        weeks: The ISO weeks they were asked in, sorted.
        turns: Each turn, as (device, trace id), in the order met.
    """

    question: str
    wordings: tuple[tuple[str, int], ...]
    count: int
    devices: tuple[str, ...]
    weeks: tuple[str, ...]
    turns: tuple[Asked, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "wordings": [{"question": q, "count": n} for q, n in self.wordings],
            "devices": list(self.devices),
            "weeks": list(self.weeks),
            "turns": [
                {"device_id": t.device_id, "trace_id": t.trace_id, "week": t.week}
                for t in self.turns
            ],
        }


def group_questions(
    asked: Mapping[str, Iterable[Asked]], *, alike: float = ALIKE
) -> list[QuestionGroup]:
    """Group the wordings in ``asked`` (wording to the turns that asked it),
    largest group first."""
    turns = {question: list(found) for question, found in asked.items()}
    order = sorted(turns, key=lambda q: (-len(turns[q]), q))
    heads: list[frozenset[str]] = []
    members: list[list[str]] = []
    by_word: dict[str, list[int]] = {}
    for question in order:
        words = question_words(question)
        place = _first_alike(words, heads, by_word, alike)
        if place is None:
            place = len(heads)
            heads.append(words)
            members.append([])
            for word in words:
                by_word.setdefault(word, []).append(place)
        members[place].append(question)
    groups = [_group(wordings, turns) for wordings in members]
    return sorted(groups, key=lambda g: (-g.count, g.question))


def _first_alike(
    words: frozenset[str],
    heads: list[frozenset[str]],
    by_word: Mapping[str, list[int]],
    alike: float,
) -> int | None:
    candidates = sorted({place for word in words for place in by_word.get(word, ())})
    if not words:
        candidates = [i for i, head in enumerate(heads) if not head]
    for place in candidates:
        if jaccard(words, heads[place]) >= alike:
            return place
    return None


def _group(wordings: list[str], turns: Mapping[str, list[Asked]]) -> QuestionGroup:
    every = [turn for wording in wordings for turn in turns[wording]]
    return QuestionGroup(
        question=wordings[0],
        wordings=tuple((wording, len(turns[wording])) for wording in wordings),
        count=len(every),
        devices=tuple(sorted({turn.device_id for turn in every})),
        weeks=tuple(sorted({turn.week for turn in every})),
        turns=tuple(every),
    )
