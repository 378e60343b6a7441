"""An unlisted number that opens a question, read as a code of a table of
plain numbers when it lies in that table's own numbering.

A table of plain numbers (``5298``) has a loose format: a number in a
question is read as one of its codes only after a code cue ("alarm 5300"),
so that counts, readings and years never become codes. A listed number is
found anyway, by its exact key. An unlisted one typed first, the way codes
are typed ("5216 on the heat pump"), was not read at all, and the answer
said nothing answers the question instead of "5216 is not in the knowledge
base". It is read as a code when it opens the question, the table's format
fits it, it is not a year, no count or unit follows it, and at least
:data:`MIN_NEIGHBOURS` listed codes of its length share all its digits but
the last two (it lies in a hundred the table numbers). A number of two
digits lies in a ten instead: ``37 on the display`` is read as a code where
the table lists ``33`` and ``36``, never where it lists only numbers of
other lengths. Codes are counted as spelled, so ``3.7`` is not a
neighbour of ``37``.

A table of numbers in groups (``13.2``: fault 13, sub-code 2) is numbered the
same way: ``18.4 on the traction controller`` is read as a code when at
least :data:`MIN_NEIGHBOURS` listed codes are its group's (``18`` itself,
``18.1``, ``18.2``). A number asked about ("what is 7.12", "meaning of
5216") counts as opening the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge_cache.format_matching import FormatSet
from knowledge_cache.models import CodeKind
from knowledge_cache.quantities import YEAR, is_quantity
from knowledge_cache.question_codes import MAX_QUESTION_CHARS, TypedCode

MIN_NEIGHBOURS = 2
"""Listed codes that must share the number's hundred."""
MIN_DIGITS = 2
"""Fewest digits in a number read this way."""

_OPENING = re.compile(
    r"\s*(?:(?:what\s+is|what's|whats|what\s+does|meaning\s+of|explain)\s+)?"
    r"(?P<number>\d+(?:\.\d+)?)(?![\w'])(?![.,:/-]\w)",
    re.IGNORECASE,
)

_COUNTED_THINGS = re.compile(
    r"\s+(?:of\b|(?!(?:is|was|has|does|keeps|shows|comes|appears|flashes|"
    r"returns|stays|means)\b)[a-z]{2,}[^s\W]?s\b)",
    re.IGNORECASE,
)
"""A plural noun (or "of") after a number: "12 trucks", "15 of the units"."""

Neighbours = Callable[[CodeKind, str], int]
"""How many listed codes of a kind lie in a number's group: its hundred, or
for a number in groups (``18.4``) code ``18`` and those that start ``18.``."""


def opening_number(
    question: str, cued: FormatSet, neighbours: Neighbours
) -> TypedCode | None:
    """The number that opens ``question`` as an unlisted code of a table
    of plain numbers (``cued`` holds their formats), or None."""
    text = question[:MAX_QUESTION_CHARS]
    found = _OPENING.match(text)
    if found is None or not cued:
        return None
    number = found.group("number")
    grouped = "." in number
    if (not grouped and len(number) < MIN_DIGITS) or YEAR.fullmatch(number):
        return None
    if is_quantity(text, found.end()):
        return None
    if not grouped and _COUNTED_THINGS.match(text, found.end()):
        return None
    match = cued.match(number)
    if match is None or match.fixes or match.value != number:
        return None
    if neighbours(match.kind, number) < MIN_NEIGHBOURS:
        return None
    start = found.start("number")
    return TypedCode(number, number, match.kind, (), start, start + len(number))
