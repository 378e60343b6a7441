"""Abbreviations a knowledge base defines in its own text.

Manuals spell an abbreviation out once: "net positive suction head (NPSH)"
or "AVR (automatic voltage regulator)". Those pairs are learned at ingest, so
a question with either spelling finds text with the other.
"""

from __future__ import annotations

import re

MAX_LONG_WORDS = 8
_SHORT_IN_PARENS = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
_LONG_IN_PARENS = re.compile(r"\b([A-Z][A-Za-z]{1,7})\s*\(([A-Za-z][\w\s-]{2,80}?)\)")
_WORD = re.compile(r"[A-Za-z][\w-]*")


def acronyms_in_text(text: str) -> set[tuple[str, str]]:
    """``(short, long)`` pairs defined in ``text``; long forms in lower case."""
    pairs = set()
    for match in _SHORT_IN_PARENS.finditer(text):
        before = _WORD.findall(text[max(0, match.start() - 120) : match.start()])
        long = _expansion(match.group(1), before[-MAX_LONG_WORDS:])
        if long:
            pairs.add((match.group(1), long))
    for match in _LONG_IN_PARENS.finditer(text):
        words = _WORD.findall(match.group(2))
        long = _expansion(match.group(1), words)
        if long and len(long.split()) == len(words):
            pairs.add((match.group(1), long))
    return pairs


def _expansion(short: str, words: list[str]) -> str | None:
    """The last words of ``words`` whose initials spell ``short``, if any.

    Each capital of the abbreviation starts one word (``NPSH``: net positive
    suction head); lower-case letters are left out (``kVA``).
    """
    initials = [ch.lower() for ch in short if ch.isupper()]
    if len(initials) < 2 or len(initials) > len(words):
        return None
    tail = words[-len(initials) :]
    if all(
        word[0].lower() == first for word, first in zip(tail, initials, strict=True)
    ):
        return " ".join(word.lower() for word in tail)
    return None
