"""The KB's code formats made tolerant of OCR and typing slips: separators and
look-alike characters, for codes read off a photo or typed in a question.

A declared pattern such as ``\\d{4}-[A-Z]\\d{2}-\\d{3}`` is matched three ways,
strictest first:

1. as written, on the text with dashes normalised (``4471–A20–339``);
2. on the letters and digits alone, with the pattern's separators put back
   where it declares them (``4471 A20 339`` or ``4471A20339``);
3. with up to a few look-alike characters swapped (O/0, I/1, S/5, B/8, Z/2, G/6),
   and only where the pattern demands a digit or a letter: a swap is kept only
   when the unswapped text does not match and the swapped one does. When two
   different readings need the same number of swaps, the text is ambiguous and
   nothing is guessed. A digit read as a letter needs the separators where
   the text has them: ``6-355`` is ``G-355``, but the ``6726`` that ends a
   phone number is a number, not ``G-726``.

Nothing here looks at the KB's tables: a well-formed code that the KB does not
list is returned as read, never moved to a neighbouring code that it does list.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from knowledge_cache.models import CodeFormat, CodeKind

MAX_FIXES = 2
"""Most look-alike swaps accepted in one code (one more after a printed label)."""

DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−~"})
"""Dash-like characters OCR returns for a printed hyphen."""

_SEPARATOR_CHARS = frozenset("-/_ ")
_ESCAPED_SEPARATORS = _SEPARATOR_CHARS | {"."}
"""Separators of a pattern: a dot only escaped (``13\\.2``); a bare dot is
any character."""
_CONFUSIONS: dict[str, str] = {
    "O": "0",
    "o": "0",
    "0": "O",
    "I": "1",
    "i": "1",
    "l": "1I",
    "1": "I",
    "S": "5",
    "s": "5",
    "5": "S",
    "B": "8",
    "8": "B",
    "Z": "2",
    "z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
}
"""Characters OCR confuses, and what each may really be (``G`` and ``6``
differ by one stroke, on a seven-segment readout by one segment)."""
_MAX_CONFUSABLE = 14


@dataclass(frozen=True, slots=True)
class Fix:
    """One look-alike swap: the character read at ``index`` and what it became."""

    index: int
    read: str
    meant: str

    def describe(self) -> str:
        kind = "digit" if self.meant.isdigit() else "letter"
        return f"read '{self.read}' as '{self.meant}' (the code needs a {kind} there)"


@dataclass(frozen=True, slots=True)
class FormatMatch:
    """A piece of text that matches one declared format."""

    format: CodeFormat
    value: str
    fixes: tuple[Fix, ...] = ()
    respaced: bool = False

    @property
    def kind(self) -> CodeKind:
        return self.format.kind

    @property
    def rank(self) -> tuple[int, int]:
        """Lower is better: fewer swaps first, then separators as printed."""
        return len(self.fixes), int(self.respaced)


@dataclass(frozen=True, slots=True)
class _Shape:
    format: CodeFormat
    exact: re.Pattern[str]
    compact: re.Pattern[str]
    separators: tuple[str, ...]


class FormatSet:
    """The KB's declared formats, compiled once for OCR text."""

    def __init__(self, formats: Sequence[CodeFormat]) -> None:
        self._shapes = [_shape(fmt) for fmt in formats]
        examples = [fmt.example for fmt in formats]
        self.longest_letter_run: int | None = (
            max(
                max(_longest_letter_run(e), _longest_spelled_word(f.pattern))
                for e, f in zip(examples, formats, strict=True)
            )
            if examples and all(examples)
            else None
        )
        """The longest run of letters in the formats' examples (``HFP`` in
        ``HFP-204518``) or spelled out in their patterns (``INFORMATION`` in
        ``(?:INFORMATION|ERR) \\d{1,3}``, whose example is ``ERR 1``), when
        every format gives an example: a longer word in a text is no part of
        a code."""

    def __bool__(self) -> bool:
        return bool(self._shapes)

    def match(
        self,
        text: str,
        *,
        max_fixes: int = MAX_FIXES,
        prefer: CodeKind | None = None,
    ) -> FormatMatch | None:
        """The best reading of ``text`` (one code, separators allowed) or None.

        ``prefer`` breaks a tie between formats of different kinds, e.g. the
        kind named by a printed label; ``max_fixes`` bounds the swaps.
        """
        atoms = re.findall(r"[A-Za-z0-9]+", text)
        compact = "".join(atoms)
        if not compact or not any(ch.isdigit() for ch in compact):
            return None
        normal = text.translate(DASHES).strip().upper()
        found = [
            m
            for shape in self._shapes
            if (m := _match_shape(shape, normal, compact, max_fixes)) is not None
            and _separators_agree(normal, m)
        ]
        return _best(found, prefer)


def _longest_letter_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"[A-Za-z]+", text)), default=0)


def _longest_spelled_word(pattern: str) -> int:
    """The longest run of letters a pattern spells out literally, outside
    escapes (``\\d``), classes (``[A-Z]``) and counts (``{2,3}``)."""
    bare = re.sub(r"\\.|\[[^\]]*\]|\{[^}]*\}|\(\?(?:P?<[^>]*>|[:=!])", " ", pattern)
    return max((len(run) for run in re.findall(r"[A-Za-z]+", bare)), default=0)


def _separators_agree(read: str, match: FormatMatch) -> bool:
    """Separators as read stand where the format has them.

    A hyphen or dot read elsewhere means the text is something else (a date
    such as ``2023-05-24``); a stray space is tolerated only when no character
    had to be swapped.
    """
    wanted = set(_gaps(match.value))
    for position, mark in _gaps(read).items():
        if position not in wanted and (mark != " " or match.fixes):
            return False
    return True


def _gaps(text: str) -> dict[int, str]:
    """Separators by position: how many letters and digits precede each."""
    gaps: dict[int, str] = {}
    count = 0
    for ch in text:
        if ch.isalnum():
            count += 1
        elif count > 0:
            gaps.setdefault(count, ch if not ch.isspace() else " ")
    return gaps


def _best(found: list[FormatMatch], prefer: CodeKind | None) -> FormatMatch | None:
    if not found:
        return None
    top = min(m.rank for m in found)
    best = [m for m in found if m.rank == top]
    if len({m.value for m in best}) > 1 and top[0] > 0:
        preferred = [m for m in best if m.kind is prefer]
        return preferred[0] if len({m.value for m in preferred}) == 1 else None
    preferred = [m for m in best if m.kind is prefer]
    return (preferred or best)[0]


def _match_shape(
    shape: _Shape, normal: str, compact: str, max_fixes: int
) -> FormatMatch | None:
    if shape.exact.fullmatch(normal):
        return FormatMatch(shape.format, normal)
    value = _spaced(shape, compact.upper(), normal)
    if value is not None:
        return FormatMatch(shape.format, value, respaced=_gaps(value) != _gaps(normal))
    readings: dict[str, tuple[Fix, ...]] = {}
    for fixes, candidate in _swapped(compact, max_fixes):
        if readings and len(fixes) > len(next(iter(readings.values()))):
            break
        value = _spaced(shape, candidate, normal)
        if value is None or not _keeps_a_digit(compact, fixes):
            continue
        if _gaps(value) != _gaps(normal) and any(f.meant.isalpha() for f in fixes):
            continue  # Letters made of digits, and separators guessed: a number.
        readings.setdefault(value, fixes)
    if len(readings) != 1:
        return None  # Nothing matches, or two readings tie: do not guess.
    ((value, fixes),) = readings.items()
    return FormatMatch(
        shape.format, value, fixes, respaced=_gaps(value) != _gaps(normal)
    )


def _spaced(shape: _Shape, compact: str, typed: str) -> str | None:
    """``compact`` with the format's separators put back, if it matches.

    Where a format with one separator lets it stand in several places
    (``\\d{1,2}\\.\\d{1,3}``: ``203`` is ``2.03`` or ``20.3``), the place the
    ``typed`` text gives it is taken; typed with none, or elsewhere, the
    reading is ambiguous and nothing is guessed.
    """
    match = shape.compact.fullmatch(compact)
    if match is None:
        return None
    if len(shape.separators) == 1:
        return _placed(shape, compact, typed)
    inserts = [
        (match.start(f"_sep{i}"), sep)
        for i, sep in enumerate(shape.separators)
        if match.start(f"_sep{i}") >= 0
    ]
    value = compact
    for position, sep in sorted(inserts, reverse=True):
        value = value[:position] + sep + value[position:]
    return value


def _placed(shape: _Shape, compact: str, typed: str) -> str | None:
    """``compact`` read with a format's one separator, or as it stands,
    wherever the format allows; where it allows several places, the one
    the typed text puts a separator at, else None."""
    (sep,) = shape.separators
    values = [compact] if shape.exact.fullmatch(compact) else []
    values += [
        value
        for position in range(1, len(compact))
        if shape.exact.fullmatch(value := compact[:position] + sep + compact[position:])
    ]
    if len(values) <= 1:
        return values[0] if values else None
    typed_at = set(_gaps(typed))
    meant = [v for v in values if set(_gaps(v)) == typed_at]
    return meant[0] if len(meant) == 1 else None


def _swapped(compact: str, max_fixes: int) -> Iterator[tuple[tuple[Fix, ...], str]]:
    """Readings of ``compact`` with 1 to ``max_fixes`` swaps, fewest first."""
    base = compact.upper()
    options = [
        (i, _CONFUSIONS[ch]) for i, ch in enumerate(compact) if ch in _CONFUSIONS
    ]
    if len(options) > _MAX_CONFUSABLE:
        max_fixes = min(max_fixes, 1)
    for count in range(1, max_fixes + 1):
        for chosen in itertools.combinations(options, count):
            for meant in itertools.product(*(alts for _, alts in chosen)):
                chars = list(base)
                fixes = []
                for (index, _), new in zip(chosen, meant, strict=True):
                    chars[index] = new
                    fixes.append(Fix(index, compact[index], new))
                yield tuple(fixes), "".join(chars)


def _keeps_a_digit(compact: str, fixes: tuple[Fix, ...]) -> bool:
    """At least one digit of the code was read as a digit (words are not codes)."""
    changed = {fix.index for fix in fixes}
    return any(ch.isdigit() for i, ch in enumerate(compact) if i not in changed)


def _shape(fmt: CodeFormat) -> _Shape:
    compact, separators = _compact_pattern(fmt.pattern)
    return _Shape(
        format=fmt,
        # Text is matched in capitals; a pattern may spell its letters in
        # either case (a kb.toml's ``0x[0-9A-F]{4}``).
        exact=re.compile(f"(?:{fmt.pattern})", re.IGNORECASE),
        compact=re.compile(f"(?:{compact})", re.IGNORECASE),
        separators=tuple(separators),
    )


def _compact_pattern(pattern: str) -> tuple[str, list[str]]:
    """The pattern with each literal separator replaced by an empty named group.

    ``E-\\d{2}`` becomes ``E(?P<_sep0>)\\d{2}``: it matches ``E42``, and the
    group's position says where the ``-`` goes back.
    """
    out: list[str] = []
    separators: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if not in_class and escaped in _ESCAPED_SEPARATORS:
                out.append(f"(?P<_sep{len(separators)}>)")
                separators.append(escaped)
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            # A ']' right after '[' or '[^' is a literal member of the class.
            lead = "^]" if pattern.startswith("[^]", i) else "]"
            if pattern.startswith(lead, i + 1):
                out.append(lead)
                i += len(lead)
        elif ch in _SEPARATOR_CHARS:
            out.append(f"(?P<_sep{len(separators)}>)")
            separators.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out), separators
