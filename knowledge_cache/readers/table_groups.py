"""Group headings of a hierarchical code table, told from its own codes.

Fault tables are often numbered in groups: a round code heads a group with a
word or two (``0x3000 Voltage``, ``0x3200 Voltage inside the device``) and
the codes that share its leading digits belong to it (``0x3210 DC link
over-voltage``). A terse row reads far better with its group's heading, as
a section path: ``Voltage > 0x3210``. A row heads a group when its code,
without its trailing zeros, starts at least two other codes of the same
length, and its text is short (a heading, not a fault); nothing here knows
any particular code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from knowledge_cache.code_keys import code_key

MAX_HEADING_WORDS = 1
"""Most words in a group heading's text; longer texts describe a fault."""

MIN_MEMBERS = 2
"""Fewest other codes a group heading must start."""


def group_headings(rows: Sequence[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    """For each code of ``rows`` (code, text) in a group, the headings of its
    groups, outermost first; codes in no group are left out."""
    keys = [code_key(code) for code, _ in rows]
    heads = [
        (stem, text.strip())
        for (_, text), key in zip(rows, keys, strict=True)
        if (stem := _stem(key)) and _is_heading(text)
    ]
    found: dict[str, tuple[str, ...]] = {}
    groups = [
        (stem, text)
        for stem, text in heads
        if _members(stem, keys, len(stem) + _zeros(stem, keys)) >= MIN_MEMBERS
    ]
    for (code, _), key in zip(rows, keys, strict=True):
        path = tuple(
            text
            for stem, text in sorted(groups, key=lambda group: len(group[0]))
            if key.startswith(stem) and key.rstrip("0") != stem
        )
        if path:
            found[code] = path
    return found


def _stem(key: str) -> str:
    """The code without its trailing zeros, if it has two or more and a
    digit is left before them."""
    stem = key.rstrip("0")
    if len(key) - len(stem) < 2 or not stem or not stem[-1].isdigit():
        return ""
    return stem


def _zeros(stem: str, keys: Sequence[str]) -> int:
    """How many zeros the heading's own code has after its stem."""
    return next(len(k) - len(stem) for k in keys if k.rstrip("0") == stem)


def _members(stem: str, keys: Sequence[str], width: int) -> int:
    return sum(
        1
        for key in keys
        if len(key) == width and key.startswith(stem) and key.rstrip("0") != stem
    )


def _is_heading(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= MAX_HEADING_WORDS
