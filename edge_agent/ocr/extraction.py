"""From text lines to codes: declared formats, printed labels, a confidence each.

Pure: no engine, no database. :func:`extract_codes` takes the lines an engine
read and the formats the KB declares, and returns every code in reading order,
once each, with:

* its kind and canonical value (``E-42``, ``4471-A20-339``) and the raw text;
* the box it was read from and a confidence: the recognition score of its
  text, lowered for every look-alike swap, for separators that had to be put
  back, and for a printed label naming another kind of code;
* the printed label in front of it (``P/N``, ``PART NO``, ``S/N``, ``SER NO``,
  ``MODEL``), on the same line or alone at the end of the line above (read
  by :mod:`~edge_agent.ocr.labels`).

A labelled value that matches no format is still reported whole (kind from
the label, low confidence), in the shapes makers print: letters and digits
mixed, with spaces, hyphens, dots or slashes, 5 to 20 characters
(``6ES7 214-1AG40-0XB0``), whether or not the knowledge base has any format.
A code-shaped piece of a longer token (``E-42`` inside ``4471-E42-999``, a
letter and four digits inside a serial) is never a code of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from edge_agent.ocr.engine import Box
from edge_agent.ocr.labels import (
    LABEL,
    UNFORMATTED_FACTOR,
    UNFORMATTED_NOTE,
    Label,
    Region,
    has_digit,
    labelled_regions,
    unformatted_value,
)
from edge_agent.ocr.lines import TextLine
from edge_agent.ocr.other_numbers import named_otherwise
from edge_agent.ocr.plain_numbers import (
    BARE_FACTOR,
    BARE_NOTE,
    PlainNumbers,
    plain_numbers,
    read_code_lists,
)
from knowledge_cache import (
    DASHES,
    MAX_FIXES,
    CodeFormat,
    CodeKind,
    CuedFormats,
    FormatMatch,
    FormatSet,
    is_english,
)

LOW_CONFIDENCE = 0.8
"""Codes below this confidence are shown with their raw text, to check by hand."""

FIX_FACTOR = 0.85
"""Confidence kept per look-alike swap."""

RESPACED_FACTOR = 0.97
"""Confidence kept when separators were missing or misread."""

LABEL_CONFLICT_FACTOR = 0.8
"""Confidence kept when a printed label names another kind of code."""

MAX_ATOMS = 14
"""A code spans at most this many runs of letters or of digits (``4471-A20-339``
is four, ``447I-A2O-339`` with two misread characters six, a PLC order number
such as ``6ES7 214-1AG40-0XB0`` ten, a serial of letter and digit pairs
twelve)."""

_ATOM = re.compile(r"[A-Za-z]+|[0-9]+")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-_./]")
_GLUED_WORD = 3
"""Shortest run of letters glued behind a code that is a word of its own."""
_GLUED_PREFIX = 4
"""Longest letter prefix of a code (``HFP``) looked for glued behind a word."""
_JOINABLE = re.compile(r"\s{0,2}[-_.]?\s{0,2}")


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A code read from a photo.

    Attributes:
        kind: What the code identifies.
        value: The code in its canonical spelling, e.g. ``E-42``.
        raw: The text as the engine read it, e.g. ``E-4B``.
        confidence: 0 to 1; below :data:`LOW_CONFIDENCE` it needs checking.
        box: Where the code is in the photo.
        label: The printed label in front of it (``S/N``), or ``""``.
        notes: Checks that lowered or explain the confidence, in plain words.
        matches_format: False for a labelled value no declared format matches.
        line_box: The box of the whole line the code was read from.
    """

    kind: CodeKind
    value: str
    raw: str
    confidence: float
    box: Box
    label: str = ""
    notes: tuple[str, ...] = ()
    matches_format: bool = True
    line_box: Box | None = None

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


def extract_codes(
    lines: Sequence[TextLine],
    formats: Sequence[CodeFormat] | FormatSet,
    cued: CuedFormats | None = None,
) -> list[FoundCode]:
    """Every code in ``lines`` (reading order), once each, with its confidence.

    ``cued`` formats (plain numbers) are read only right after a code cue
    printed before them (``ALARM 5298``, ``Error code: 412``) or ending the
    line above, never as the count after a plural cue (``FAULTS: 2``); alone
    or opening a short line, only when listed or in a list of codes, and
    marked for checking (see :mod:`~edge_agent.ocr.plain_numbers`).
    """
    formats = formats if isinstance(formats, FormatSet) else FormatSet(formats)
    regions = labelled_regions(lines)

    def read_line(index: int, numbers: PlainNumbers | None) -> list[FoundCode]:
        return [
            code
            for region in regions[index]
            for code in _codes_in(lines[index], region, formats, numbers)
        ]

    found: Sequence[Sequence[FoundCode]]
    if cued is None:
        found = [read_line(index, None) for index in range(len(lines))]
    else:
        plain = plain_numbers(lines, cued)
        found = read_code_lists(
            lines, plain, [read_line(i, n) for i, n in enumerate(plain)], read_line
        )
    return _unique([code for codes in found for code in codes])


@dataclass(frozen=True, slots=True)
class _Atom:
    """A run of letters or of digits in a line's text."""

    start: int
    end: int
    text: str


def _atoms(text: str, start: int, end: int) -> list[_Atom]:
    return [
        _Atom(m.start(), m.end(), m.group()) for m in _ATOM.finditer(text, start, end)
    ]


def _codes_in(
    line: TextLine, region: Region, formats: FormatSet, plain: PlainNumbers | None
) -> Iterator[FoundCode]:
    atoms = _atoms(line.text, region.start, region.end)
    label, index = region.label, 0
    while index < len(atoms):
        best, bare = _best_window(line.text, atoms, index, formats, label), False
        if best is None and plain is not None:
            best, bare = _plain_window(line.text, atoms, index, plain)
        if best is None:
            index += 1
            continue
        start, end, match = best
        if label is None and named_otherwise(line.text, start):
            index = end + 1  # the whole value is that other thing
            continue
        if _inside_longer_token(line.text, start, atoms[end].end, region.start):
            index += 1
            continue
        yield _found(line, start, atoms[end].end, match, label, bare=bare)
        label, index = None, end + 1
    if label is not None:
        unformatted = _unformatted(line, atoms, label)
        if unformatted is not None:
            yield unformatted


def _best_window(
    text: str,
    atoms: Sequence[_Atom],
    index: int,
    formats: FormatSet,
    label: Label | None,
) -> tuple[int, int, FormatMatch] | None:
    """The best code starting at ``atoms[index]``: fewest fixes, then longest.

    A code glued behind a word (``MODELAC-55``, ``FORHP-350``) is found too:
    the word's last two to four letters may start a code whose own hyphen
    follows them.
    """
    atom = atoms[index]
    best = _window_from(text, atoms, index, formats, label)
    if best is not None:
        return atom.start, *best
    if not atom.text.isalpha() or index + 1 >= len(atoms):
        return None
    if text[atom.end : atoms[index + 1].start].translate(DASHES) != "-":
        return None
    for length in range(2, min(_GLUED_PREFIX, len(atom.text) - 1) + 1):
        tail = _Atom(atom.end - length, atom.end, atom.text[-length:])
        found = _window_from(text, [tail, *atoms[index + 1 :]], 0, formats, label)
        if found is not None:
            return tail.start, index + found[0], found[1]
    return None


def _plain_window(
    text: str, atoms: Sequence[_Atom], index: int, plain: PlainNumbers
) -> tuple[tuple[int, int, FormatMatch] | None, bool]:
    """The code starting at ``atoms[index]`` in a cued format, as
    :func:`_best_window` returns it, and whether it was read bare: after a
    code cue, or else listed and alone (see :class:`PlainNumbers`)."""
    atom = atoms[index]
    found = _window_from(text, atoms, index, plain.cued.formats, None)
    if found is None:
        return None, False
    end, match = found
    if plain.cued_at(text, atom.start, atoms[end].end):
        return (atom.start, end, match), False
    if plain.bare(text, atom.start, atoms[end].end, match):
        return (atom.start, end, match), True
    return None, False


def _window_from(
    text: str,
    atoms: Sequence[_Atom],
    index: int,
    formats: FormatSet,
    label: Label | None,
) -> tuple[int, FormatMatch] | None:
    if not any(has_digit(a.text) for a in atoms[index : index + MAX_ATOMS]):
        return None
    prefer = label.kind if label else None
    max_fixes = MAX_FIXES + 1 if label else MAX_FIXES
    best: tuple[int, FormatMatch] | None = None
    for end in range(index, min(index + MAX_ATOMS, len(atoms))):
        if end > index and not _JOINABLE.fullmatch(
            text[atoms[end - 1].end : atoms[end].start]
        ):
            break
        window = text[atoms[index].start : atoms[end].end]
        match = formats.match(window, max_fixes=max_fixes, prefer=prefer)
        if match is not None and (best is None or match.rank <= best[1].rank):
            best = (end, match)
    return best


def _inside_longer_token(text: str, start: int, end: int, floor: int = 0) -> bool:
    """Whether ``text[start:end]`` is a piece of a longer code-like token: the
    rest of its token (no spaces) holds a digit, or in front of it letters
    that are neither a word nor a label (``ABCD`` of ``ABCD1234``). The token
    starts no earlier than ``floor``, where a printed label ends (``PART
    NO.4471-G12-021``: the label is no part of the value)."""
    left, right = start, end
    while left > floor and _TOKEN_CHARS.fullmatch(text[left - 1]):
        left -= 1
    while right < len(text) and _TOKEN_CHARS.fullmatch(text[right]):
        right += 1
    before, after = text[left:start], text[end:right].rstrip("-_./")
    if has_digit(before) or has_digit(after):
        return True
    if 0 < len(after.strip("-_./")) < _GLUED_WORD:
        return True  # a letter or two more: E-42A is not E-42
    letters = before.strip("-_./")
    glued_word = len(letters) >= _GLUED_WORD and is_english(letters.lower())
    return bool(letters) and not (glued_word or LABEL.fullmatch(letters))


def _found(
    line: TextLine,
    start: int,
    end: int,
    match: FormatMatch,
    label: Label | None,
    *,
    bare: bool = False,
) -> FoundCode:
    confidence = line.score_for(start, end) * FIX_FACTOR ** len(match.fixes)
    notes = [fix.describe() for fix in match.fixes]
    if bare:
        confidence *= BARE_FACTOR
        notes.append(BARE_NOTE)
    if match.respaced:
        confidence *= RESPACED_FACTOR
        notes.append("separators were missing or misread")
    if label is not None and label.kind is not match.kind:
        confidence *= LABEL_CONFLICT_FACTOR
        notes.append(f"printed label {label.text} names another kind of code")
    return FoundCode(
        kind=match.kind,
        value=match.value,
        raw=line.text[start:end],
        confidence=round(confidence, 4),
        box=line.box_for(start, end),
        label=label.text if label else "",
        notes=tuple(notes),
        line_box=line.box,
    )


def _unformatted(
    line: TextLine, atoms: Sequence[_Atom], label: Label
) -> FoundCode | None:
    """The value right after a label when no format matched it (see
    :func:`~edge_agent.ocr.labels.unformatted_value`)."""
    if not atoms:
        return None
    span = unformatted_value(line.text, atoms[0].start)
    if span is None:
        return None
    first, last = span
    raw = line.text[first:last]
    confidence = line.score_for(first, last) * UNFORMATTED_FACTOR
    return FoundCode(
        kind=label.kind,
        value=" ".join(raw.translate(DASHES).upper().split()),
        raw=raw,
        confidence=round(confidence, 4),
        box=line.box_for(first, last),
        label=label.text,
        notes=(UNFORMATTED_NOTE,),
        matches_format=False,
        line_box=line.box,
    )


def _unique(found: Sequence[FoundCode]) -> list[FoundCode]:
    """One entry per code, keeping the most confident reading, in first order."""
    best: dict[tuple[CodeKind, str], FoundCode] = {}
    for code in found:
        key = (code.kind, code.value)
        kept = best.get(key)
        if kept is None:
            best[key] = code
        elif code.confidence > kept.confidence:
            best[key] = replace(code, label=code.label or kept.label)
    return list(best.values())
