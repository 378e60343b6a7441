"""Where a plain number on a photo is a code: after a cue, under one, or bare.

A code table of plain numbers (``19``, ``13.2``, ``5298``) teaches a format
that matches ordinary numbers too (a voltage, a count, a year), so on a photo
such a number is read as a code only where the photo names it one:

* right after a code cue on its line (``ERROR 13.2``, ``alarm 5298``);
* opening the line right under a line that ends with a cue (``ERROR CODE:``
  above ``23.3 LOW SIDED``): read as if the cue were on its line;
* alone on its line, or opening a short line of words (a large ``17`` on a
  controller's display, ``21.9 TRACTION FAULT``): only when the knowledge
  base lists it exactly, and marked for the technician to check;
* opening a line in a list of codes (right above or under a line that opens
  with a code read as above, their left edges in line): also when the
  knowledge base does not list it, as a code it lacks on a display's list of
  active faults; marked for the technician to check.

The one small number after a plural cue (``ACTIVE FAULTS: 2``, ``ALARMS 3``)
counts codes, it names none; a list after one (``alarms 5298 and 5299``)
names codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from edge_agent.ocr.engine import Box
from edge_agent.ocr.lines import TextLine
from knowledge_cache import (
    LIST_JOINER,
    CuedFormats,
    FormatMatch,
    is_english,
    is_quantity,
)

BARE_FACTOR = 0.75
"""Confidence kept by a code read with no word naming it a code: below
:data:`~edge_agent.ocr.extraction.LOW_CONFIDENCE` however well it scored."""

BARE_NOTE = "read alone, with no word naming it a code: check it"

SHORT_READING_WORDS = 5
"""Most words after a bare code on its line (its description, shortened)."""

COUNT_DIGITS = 2
"""Most digits of the number after a plural cue that counts codes."""

_DESCRIBING = 4
"""Fewest letters of a word that describes a code (units are shorter: RPM, KWH)."""
_SEPARATORS = " \t-_.:|/*#>[]()"
_PLURAL_BEFORE = re.compile(r"(?<![\w'])([a-z]+)s\s*[:#=]?\s*$")
_LIST_AFTER = re.compile(rf"\s*{LIST_JOINER}\s*\d", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class PlainNumbers:
    """How the plain numbers of one line may be read as codes.

    Attributes:
        cued: The formats read only after a code cue, and whether the
            knowledge base lists a code.
        above: The code cue ending the line right above this one, or ``""``.
        in_list: The line sits in a list of codes (see
            :func:`read_code_lists`): a number opening it is read bare even
            when the knowledge base does not list it.
    """

    cued: CuedFormats
    above: str = ""
    in_list: bool = False

    def cued_at(self, text: str, start: int, end: int) -> bool:
        """A code cue names ``text[start:end]`` a code: printed before it on
        its line, or ending the line above when the run opens its line; and
        the run is not the count after a plural cue."""
        if self.cued.cued(text, start, end):
            return not _counts(self.cued, text, start, end)
        if not self.above or not _opens_line(text, start):
            return False
        joined = f"{self.above} {text[start:]}"
        shift = len(self.above) + 1 - start
        return self.cued.cued(joined, start + shift, end + shift) and not _counts(
            self.cued, joined, start + shift, end + shift
        )

    def bare(self, text: str, start: int, end: int, match: FormatMatch) -> bool:
        """``text[start:end]``, read as ``match`` with no cue, is a listed
        code (or any, in a list of codes) alone on its line or opening a
        short line of words, and no cue ends the line above (it decides, as
        for ``FAULTS:`` above ``2``)."""
        if self.above or match.fixes or not _opens_line(text, start):
            return False
        listed = self.cued.listed is not None and self.cued.listed(match.value)
        if not (listed or self.in_list):
            return False
        rest = text[end:]
        if rest and not rest[0].isspace():
            return False  # glued to more text: 12:30, 48.2V
        if is_quantity(text, end):
            return False  # 12 VOLTS, 40 HOURS
        return _short_reading(self.cued, rest)


def plain_numbers(lines: Sequence[TextLine], cued: CuedFormats) -> list[PlainNumbers]:
    """For each line, how its plain numbers may be read as codes: the cue
    ending the line right above it, if any."""
    found = [PlainNumbers(cued) for _ in lines]
    for index, line in enumerate(lines):
        cue = _ending_cue(line.text, cued)
        if cue is None:
            continue
        below = line_below(lines, index, line.box)
        if below is not None:
            found[below] = PlainNumbers(cued, line.text[cue:].strip())
    return found


class ReadCodeText(Protocol):
    """What the list rule needs of a code read on a line."""

    @property
    def raw(self) -> str: ...

    @property
    def value(self) -> str: ...


_Read = TypeVar("_Read", bound=ReadCodeText)


def read_code_lists(
    lines: Sequence[TextLine],
    plain: Sequence[PlainNumbers],
    found: Sequence[Sequence[_Read]],
    read_line: Callable[[int, PlainNumbers], Sequence[_Read]],
) -> list[Sequence[_Read]]:
    """``found`` (the codes read on each line), with each line right above or
    under an item of a list of codes read again as an item too, until the
    list is read whole: its numbers are then read bare even where the
    knowledge base does not list them (``read_line`` reads line ``index``
    with the plain numbers given).

    An item is a line that opens with a code in a cued format (``13.2
    TRACTION MOTOR HOT``), read as listed or under a cue; its neighbour must
    start at the same left edge, as the items of a display's list of active
    faults do. A line with a cue before its code (``ERROR CODE: 5298``) is
    no item: the cue names that code alone."""
    marked, codes = list(plain), list(found)
    pending = [
        i for i in range(len(lines)) if _opens_with_code(lines[i], codes[i], plain[i])
    ]
    while pending:
        item = pending.pop()
        for neighbour in _aligned_neighbours(lines, item):
            if marked[neighbour].in_list or _opens_with_code(
                lines[neighbour], codes[neighbour], marked[neighbour]
            ):
                continue
            marked[neighbour] = replace(marked[neighbour], in_list=True)
            codes[neighbour] = read_line(neighbour, marked[neighbour])
            if _opens_with_code(lines[neighbour], codes[neighbour], marked[neighbour]):
                pending.append(neighbour)
    return codes


def _opens_with_code(
    line: TextLine, codes: Sequence[ReadCodeText], plain: PlainNumbers
) -> bool:
    """A code in a cued format opens ``line`` (only separators before it)."""
    for code in codes:
        if plain.cued.formats.match(code.value) is None:
            continue
        at = line.text.find(code.raw)
        if at >= 0 and _opens_line(line.text, at):
            return True
    return False


def _aligned_neighbours(lines: Sequence[TextLine], index: int) -> list[int]:
    """The lines right above and under ``lines[index]`` that start at its left edge."""
    neighbours = []
    below = line_below(lines, index, lines[index].box)
    if below is not None and _left_aligned(lines[index].box, lines[below].box):
        neighbours.append(below)
    for upper in range(max(0, index - 3), index):
        if line_below(lines, upper, lines[upper].box) == index and _left_aligned(
            lines[upper].box, lines[index].box
        ):
            neighbours.append(upper)
    return neighbours


def line_below(lines: Sequence[TextLine], index: int, above: Box) -> int | None:
    """The next line just under the box ``above`` on ``lines[index]``, and
    overlapping it along the reading."""
    u0, _, v0 = _reading_frame(above, above)
    height = above.thickness
    for candidate in range(index + 1, min(index + 4, len(lines))):
        c0, c1, v = _reading_frame(lines[candidate].box, above)
        if 0 < v - v0 <= 2.5 * height and c1 > u0 - height and c0 < u0 + 12 * height:
            return candidate
    return None


def _left_aligned(upper: Box, lower: Box) -> bool:
    """The two lines start within one line height of each other along the
    reading (a list's items share their left edge)."""
    start, _, _ = _reading_frame(upper, upper)
    other, _, _ = _reading_frame(lower, upper)
    return abs(start - other) <= upper.thickness


def _reading_frame(box: Box, along: Box) -> tuple[float, float, float]:
    """Where ``box`` starts and ends along the reading direction of
    ``along``, and the middle of its height across it."""
    angle = math.radians(along.angle)
    cos, sin = math.cos(angle), math.sin(angle)
    us = [x * cos + y * sin for x, y in box.points]
    vs = [y * cos - x * sin for x, y in box.points]
    return min(us), max(us), sum(vs) / 4


def _ending_cue(text: str, cued: CuedFormats) -> int | None:
    """Where the code cue ending ``text`` starts (``ERROR CODE:``), if the
    line ends with one and no number."""
    match = cued.cue.search(text.lower())
    if match is None or any(ch.isdigit() for ch in match.group()):
        return None
    return match.start()


def _opens_line(text: str, start: int) -> bool:
    return not text[:start].strip(_SEPARATORS)


def _counts(cued: CuedFormats, text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is the one small number after a plural cue."""
    run = text[start:end]
    if not run.isdigit() or len(run) > COUNT_DIGITS:
        return False
    plural = _PLURAL_BEFORE.search(text[:start].lower())
    if plural is None or _LIST_AFTER.match(text, end):
        return False
    word = plural.group(1)
    return bool(cued.cue.search(word + "s") and cued.cue.search(word))


def _short_reading(cued: CuedFormats, rest: str) -> bool:
    """What follows a bare code on its line: nothing, or a few words (its
    description) with an English word of four letters or more, and no
    number, unit or count."""
    if not rest.strip(_SEPARATORS):
        return True
    words = rest.split()
    if len(words) > SHORT_READING_WORDS or any(ch.isdigit() for ch in rest):
        return False
    first = _WORD.match(words[0].strip(_SEPARATORS))
    if first is None or cued.cue.search(first.group().lower()):
        return False  # 2 FAULTS ACTIVE: a count
    words = _WORD.findall(rest)
    return any(len(w) >= _DESCRIBING and is_english(w.lower()) for w in words)
