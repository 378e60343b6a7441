"""Codes whose text is like an entry's: the same text, or one number or word
apart.

Only texts identical once case and spacing are normalised are "the same":
an answer may then say the code is listed with the same text. Texts that
differ by one number or one word ("Cylinder 1 misfire", "Cylinder 3
misfire"; "bank 1", "bank 2") say different things; they are only *related*,
offered with each code's own text and a few at most, nearest code first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge_cache.code_keys import code_key
from knowledge_cache.models import CodeEntry

RELATED_LIMIT = 3
"""Most related codes offered beside an entry."""

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Namesakes:
    """Other codes of an entry's kind whose text is like its own.

    Attributes:
        same_text: Listed with exactly the entry's text (case and spacing aside).
        related: Texts one number or one word apart, nearest code first, at
            most :data:`RELATED_LIMIT`.
    """

    same_text: tuple[CodeEntry, ...] = ()
    related: tuple[CodeEntry, ...] = ()

    @property
    def entries(self) -> tuple[CodeEntry, ...]:
        """Every namesake, the same-text ones first."""
        return (*self.same_text, *self.related)

    def only(self, keep: Callable[[CodeEntry], bool]) -> Namesakes:
        """The namesakes for which ``keep`` is true."""
        return Namesakes(
            tuple(filter(keep, self.same_text)), tuple(filter(keep, self.related))
        )


def normalised_text(text: str) -> str:
    """``text`` compared as the same text: case folded, spacing collapsed."""
    return " ".join(text.casefold().split())


def one_apart(text: str, other: str) -> bool:
    """Whether two different texts differ only by numbers in the same places,
    or by one word."""
    first, second = normalised_text(text), normalised_text(other)
    if first == second:
        return False
    if _NUMBER.sub("#", first) == _NUMBER.sub("#", second):
        return True
    words, others = _WORD.findall(first), _WORD.findall(second)
    return (
        len(words) == len(others) > 1
        and sum(a != b for a, b in zip(words, others, strict=True)) == 1
    )


def find_namesakes(
    entry: CodeEntry, listed: Iterable[CodeEntry], *, limit: int = RELATED_LIMIT
) -> Namesakes:
    """The entry's namesakes among ``listed`` (codes of its kind)."""
    text = normalised_text(entry.description)
    same, related = [], []
    for other in listed:
        if other.code == entry.code:
            continue
        if normalised_text(other.description) == text:
            same.append(other)
        elif one_apart(entry.description, other.description):
            related.append(other)
    number = _code_number(entry.code)
    related.sort(key=lambda e: (abs(_code_number(e.code) - number), e.code))
    return Namesakes(tuple(same), tuple(related[:limit]))


def _code_number(code: str) -> int:
    digits = "".join(ch for ch in code_key(code) if ch.isdigit())
    return int(digits) if digits else 0
