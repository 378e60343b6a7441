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

from bisect import bisect_left
from collections.abc import Mapping, Sequence

from knowledge_cache.code_keys import code_key

MAX_HEADING_WORDS = 1
"""Most words in a group heading's text; longer texts describe a fault."""

MIN_MEMBERS = 2
"""Fewest other codes a group heading must start."""


def group_headings(rows: Sequence[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    """For each code of ``rows`` (code, text) in a group, the headings of its
    groups, outermost first; codes in no group are left out.

    Linear in the rows but for sorting (a parts catalogue of 100,000 rows
    is read as fast as a fault table of 80)."""
    keys = [code_key(code) for code, _ in rows]
    own_code: dict[str, str] = {}
    for key in keys:
        own_code.setdefault(key.rstrip("0"), key)
    by_width: dict[int, list[str]] = {}
    for key in keys:
        by_width.setdefault(len(key), []).append(key)
    for same in by_width.values():
        same.sort()
    groups: dict[str, str] = {}
    for (_, text), key in zip(rows, keys, strict=True):
        stem = _stem(key)
        if not stem or not _is_heading(text) or stem in groups:
            continue
        width = len(own_code[stem])
        if _members(stem, by_width.get(width, []), own_code[stem]) >= MIN_MEMBERS:
            groups[stem] = text.strip()
    widths = sorted({len(stem) for stem in groups})
    found: dict[str, tuple[str, ...]] = {}
    for (code, _), key in zip(rows, keys, strict=True):
        path = tuple(
            groups[key[:width]]
            for width in widths
            if key[:width] in groups and key.rstrip("0") != key[:width]
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


def _members(stem: str, same_width: Sequence[str], heading: str) -> int:
    """How many codes of the heading's width (sorted) start with its stem,
    the heading's own code aside."""
    start = bisect_left(same_width, stem)
    end = bisect_left(same_width, stem + "\uffff")
    return end - start - sum(1 for key in same_width[start:end] if key == heading)


def _is_heading(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= MAX_HEADING_WORDS
