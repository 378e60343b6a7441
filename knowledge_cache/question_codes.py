"""The codes a question names, read with the KB's declared formats.

Technicians type codes the way they see or remember them: ``e42``, ``g 305``,
``C-l17`` (a letter l for a one), ``E-4O`` (a letter O for a zero),
``4471 w20 105``. Each run of up to twelve letter-and-digit groups, joined
only by separators, is read against the declared formats with the tolerance of
:mod:`knowledge_cache.format_matching`: separators anywhere they belong, and
look-alike characters swapped only where a format demands a digit or a
letter. A reading is the code as the format spells it; whether the KB lists
it is decided later, by exact lookup, never by finding a similar code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from knowledge_cache.code_keys import MAX_ATOMS_PER_CODE, code_key
from knowledge_cache.format_matching import Fix, FormatMatch, FormatSet
from knowledge_cache.intent import default_cues
from knowledge_cache.models import CodeEntry, CodeFormat, CodeKind
from knowledge_cache.quantities import is_quantity

MAX_QUESTION_CHARS = 500
_ATOM = re.compile(r"[A-Za-z0-9]+")
_JOINER = re.compile(r"[ \t\-_./]{0,2}")
"""What may stand between two groups of one code: at most two separators."""


@dataclass(frozen=True, slots=True)
class TypedCode:
    """A code as a question types it, and as its format spells it."""

    typed: str
    value: str
    kind: CodeKind
    fixes: tuple[Fix, ...]
    start: int
    end: int
    prefix: str = ""
    """The literal prefix of the code's table, put back when typed without it."""

    @property
    def key(self) -> str:
        return code_key(self.value)

    @property
    def corrected(self) -> str:
        """How the typed text was read, e.g. "read 'l' as '1' ...", or ""."""
        notes = [fix.describe() for fix in self.fixes]
        if self.prefix:
            notes.insert(
                0,
                f"put back '{self.prefix}', which every code of its table starts with",
            )
        return "; ".join(notes)


@dataclass(frozen=True, slots=True)
class CodeReading:
    """A code named in a question and the code-table entries that list it."""

    code: TypedCode
    entries: tuple[CodeEntry, ...]

    @property
    def known(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True, slots=True)
class _Candidate:
    code: TypedCode
    first_atom: int
    last_atom: int

    @property
    def rank(self) -> tuple[int, int, int]:
        """Fewest swaps first, then the longest run, then the earliest."""
        width = self.last_atom - self.first_atom
        return len(self.code.fixes), -width, self.code.start


@dataclass(frozen=True, slots=True)
class CuedFormats:
    """Formats read only right after a code cue (see the module's docs)."""

    formats: FormatSet
    cue: re.Pattern[str]
    """Matches where the text before a code ends with a cue, e.g. ``alarm no.``"""
    listed: Callable[[str], bool] | None = None
    """Whether the KB lists a code, as its format spells it."""

    def read(self, text: str, start: int, end: int) -> FormatMatch | None:
        """``text[start:end]`` read as a code of these formats, if a cue is
        before it, or if it is a number typed with a look-alike letter: most
        digits, three at least (``53O2``), which no count or year is; or two
        digits and a typing slip (a letter O for a zero, l or I for a one:
        ``l3.2``) where the reading is a listed code."""
        typed = text[start:end]
        if self.cued(text, start, end):
            return self.formats.match(typed)
        digits = sum(ch.isdigit() for ch in typed)
        letters = sum(ch.isalpha() for ch in typed)
        if digits < _TYPED_SLIP_DIGITS or digits <= letters:
            return None  # neither cued nor a slipped number: no match needed
        match = self.formats.match(typed)
        if match is None or not match.fixes:
            return None
        if digits >= _SLIPPED_DIGITS:
            return match
        typing_slips = all(fix.read in _TYPING_SLIPS for fix in match.fixes)
        listed = self.listed is not None and self.listed(match.value)
        return match if typing_slips and listed else None

    def cued(self, text: str, start: int, end: int) -> bool:
        """The run ``text[start:end]`` follows a cue, and no count or unit
        follows it ("alarm 3 times", "error 12 volts")."""
        before = text[max(0, start - _CUE_WINDOW) : start].lower()
        return self.cue.search(before) is not None and not is_quantity(text, end)


def cued_formats_of(
    formats: Sequence[CodeFormat], listed: Callable[[str], bool] | None = None
) -> CuedFormats:
    """``formats`` read after the code cues shipped with this package;
    ``listed`` says whether the KB lists a code (see :meth:`CuedFormats.read`)."""
    return CuedFormats(
        FormatSet(formats), cue_pattern(default_cues().code_cues), listed
    )


def cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    """Where a text ends with one of ``cues`` (whole words), an optional
    number mark (``no.``, ``#``, ``:``), and earlier codes of a list."""
    words = sorted({re.escape(c.lower()) for c in cues if c.strip()}, key=len)
    body = "|".join(reversed(words)) or r"(?!)"
    return re.compile(
        rf"(?<![\w'])(?:{body})\s*(?:no\.?|nr\.?|number|num\.?|#)?\s*[:#=]?\s*"
        rf"(?:{_LISTED}\s*{LIST_JOINER}\s*)*$"
    )


_CUE_WINDOW = 120
_SLIPPED_DIGITS = 3
"""Fewest digits in a number typed with a look-alike letter read uncued."""
_TYPED_SLIP_DIGITS = 2
"""Fewest digits in a number typed with a typing slip, read uncued when listed."""
_TYPING_SLIPS = frozenset("OolI")
"""Letters typed for digits out of habit (O for 0, l and I for 1); the other
look-alikes (S, B, Z) are slips of reading, rarely of typing."""
_LISTED = r"[a-z0-9]*\d[a-z0-9]*(?:[-.][a-z0-9]+)*"
"""A code earlier in a cued list: a token holding a digit."""
LIST_JOINER = r"(?:,|&|/|\+|\band\b|\bor\b)"
"""What joins the codes of a list ("5298, 5299", "5298 and 5299")."""


def codes_in_question(
    question: str, formats: FormatSet, cued: CuedFormats | None = None
) -> list[TypedCode]:
    """Every code ``question`` names, in order, each read once.

    Where two readings overlap, the one with fewer swapped characters wins,
    then the longer one: in ``6630-E20-403`` the part number is meant, not the
    fault code ``E-20`` that its middle group spells. ``cued`` formats are
    tried only for a run that follows a code cue.
    """
    if not formats and not (cued and cued.formats):
        return []
    text = question[:MAX_QUESTION_CHARS]
    atoms = list(_ATOM.finditer(text))
    longest = _longest_letter_run(formats, cued)
    candidates: list[_Candidate] = []
    for first in range(len(atoms)):
        for last in range(first, min(first + MAX_ATOMS_PER_CODE, len(atoms))):
            if last > first and not _joined(text, atoms[last - 1], atoms[last]):
                break
            word = atoms[last].group()
            if longest is not None and len(word) > longest and word.isalpha():
                break  # An ordinary word: no code goes through it.
            start, end = atoms[first].start(), atoms[last].end()
            if not _stands_alone(text, start, end):
                continue
            typed = text[start:end]
            match = formats.match(typed)
            if match is None and cued is not None:
                match = cued.read(text, start, end)
            if match is not None:
                code = TypedCode(
                    typed, match.value, match.kind, match.fixes, start, end
                )
                candidates.append(_Candidate(code, first, last))
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: c.rank):
        if not any(_overlap(candidate, other) for other in chosen):
            chosen.append(candidate)
    return [c.code for c in sorted(chosen, key=lambda c: c.code.start)]


def _longest_letter_run(formats: FormatSet, cued: CuedFormats | None) -> int | None:
    """The longest letter run of any code, None when unknown."""
    sets = [s for s in (formats, cued.formats if cued else None) if s]
    runs = [s.longest_letter_run for s in sets]
    return None if not runs or None in runs else max(r for r in runs if r is not None)


def _joined(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return _JOINER.fullmatch(text, left.end(), right.start()) is not None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """The run is not the middle of a longer word (``E42x`` or ``xE42``)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    return a.first_atom <= b.last_atom and b.first_atom <= a.last_atom
