"""Printed labels on a photo and the values that follow them.

A maker prints what a value is in front of it: ``P/N``, ``PART NO``, ``S/N``,
``SER NO``, ``MODEL`` (``5/N`` when the engine misreads the S). Each line is cut
at its labels into regions, and the codes in a region follow its label; a label
ending its line, with no value after it, labels the start of the line right
under it.

A labelled value that matches no declared format is still read whole, in the
shapes makers print: letters and digits mixed, with spaces, hyphens, dots or
slashes, 5 to 20 characters (``6ES7 214-1AG40-0XB0``), its first token and the
tokens one space apart after it that hold a digit (never a date or a time).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge_agent.ocr.engine import Box
from edge_agent.ocr.lines import TextLine
from edge_agent.ocr.plain_numbers import line_below
from knowledge_cache import DASHES, CodeKind, is_quantity

UNFORMATTED_FACTOR = 0.6
"""Confidence kept for a labelled value that matches no declared format."""

UNFORMATTED_NOTE = "matches none of the knowledge base's code formats"

UNFORMATTED_CHARS = (5, 20)
"""Shortest and longest labelled value reported without a format."""

UNFORMATTED_MIN_DIGITS = 2
"""Fewest digits in a labelled value reported without a format."""

_LABELS = (
    (CodeKind.PART_NUMBER, r"P\s?/\s?N|PART\s?(?:NO|N[°º]|NUMBER|#)|PN"),
    (CodeKind.SERIAL_NUMBER, r"[S5]\s?/\s?N|SER(?:IAL)?\.?\s?(?:NO|N[°º]|NUMBER|#)|SN"),
    (CodeKind.MODEL_NUMBER, r"MODEL(?:\s?(?:NO|N[°º]|#))?|MOD"),
)
LABEL = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + "|".join(f"(?P<{kind.name}>(?:{body})\\.?)" for kind, body in _LABELS)
    + r")(?![A-Za-z])\s*[:#.]?",
    re.IGNORECASE,
)
"""A printed label, its group named after the kind of code it names."""

_VALUE_PART = re.compile(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*")
_DATE_OR_TIME = re.compile(
    r"\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|\d+:\d+"
)


@dataclass(frozen=True, slots=True)
class Label:
    """A printed label.

    Attributes:
        kind: The kind of code it names.
        text: The label as shown to the technician (``S/N``).
        box: Where it is in the photo.
    """

    kind: CodeKind
    text: str
    box: Box


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch of one line; codes in it follow ``label`` when there is one."""

    start: int
    end: int
    label: Label | None = None


def labelled_regions(lines: Sequence[TextLine]) -> list[list[Region]]:
    """Each line cut at its labels; a label ending its line carries to the next."""
    regions = [_regions(line) for line in lines]
    for index, line in enumerate(lines):
        last = regions[index][-1]
        if last.label is None or has_digit(line.text[last.start : last.end]):
            continue
        below = line_below(lines, index, last.label.box)
        if below is not None and regions[below][0].label is None:
            first = regions[below][0]
            regions[below][0] = replace(first, label=last.label)
    return regions


def _regions(line: TextLine) -> list[Region]:
    text = line.text
    regions, start, label = [], 0, None
    for match in LABEL.finditer(text):
        if label is not None and not text[start : match.start()].strip():
            continue  # right after a label: the value itself (S/N: SN1234...)
        if match.start() > start or label is not None:
            regions.append(Region(start, match.start(), label))
        kind = CodeKind[match.lastgroup or ""]
        label_text = _label_text(match.group(match.lastgroup or 0) or "")
        label = Label(kind, label_text, line.box_for(match.start(), match.end()))
        start = match.end()
    regions.append(Region(start, len(text), label))
    return regions


def _label_text(printed: str) -> str:
    """A label as shown to the technician: ``5/N:`` was printed ``S/N``."""
    text = " ".join(printed.upper().replace(" /", "/").replace("/ ", "/").split())
    text = text.rstrip(".:# ")
    return "S" + text[1:] if text.startswith("5") else text


def unformatted_value(text: str, start: int) -> tuple[int, int] | None:
    """Where the value at ``text[start]``, right after a label, ends when no
    format matched it: its first token and the tokens that follow it one
    space apart and hold a digit (not a date, a time or a quantity such as
    ``12 V``), up to the longest value makers print. None when it is too
    short or holds too few digits."""
    parts = _value_parts(text, start)
    if not parts:
        return None
    first, last = parts[0].start(), parts[-1].end()
    raw = text[first:last]
    shortest, _ = UNFORMATTED_CHARS
    if len(raw) < shortest or sum(ch.isdigit() for ch in raw) < UNFORMATTED_MIN_DIGITS:
        return None
    return first, last


def _value_parts(text: str, start: int) -> list[re.Match[str]]:
    """The tokens of a labelled value, from ``start``."""
    _, longest = UNFORMATTED_CHARS
    dashed = text.translate(DASHES)
    parts: list[re.Match[str]] = []
    position = start
    while (part := _VALUE_PART.match(dashed, position)) is not None:
        if parts and (
            not has_digit(part.group())
            or _DATE_OR_TIME.fullmatch(part.group())
            or is_quantity(dashed, part.end())  # 12 V DC after the value
        ):
            break
        if part.end() - start > longest:
            break
        parts.append(part)
        if not text.startswith(" ", part.end()) or text.startswith("  ", part.end()):
            break
        position = part.end() + 1
    return parts


def has_digit(text: str) -> bool:
    """Whether ``text`` holds a digit (a value does; a word or a label does not)."""
    return any(ch.isdigit() for ch in text)
