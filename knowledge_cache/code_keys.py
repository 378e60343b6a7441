"""Codes and part numbers: one compact key for every spelling of a code.

``E-42``, ``E42``, ``e 42`` and ``E.42`` share the key ``E42``; ``4471-A20-339``
and ``4471A20339`` share ``4471A20339``. Keys are what the ``codes`` table and
the ``codes`` search column hold, so any spelling finds the same entry.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from knowledge_cache.models import CodeFormat
from knowledge_cache.quantities import is_quantity

_SEPARATORS = re.compile(r"[\s\-_./]+")
_ATOM = re.compile(r"[A-Za-z]+|\d+")
_WORD_WITH_SEPARATORS = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")
_HAS_DIGIT = re.compile(r"\d")
_GLUE = re.compile(r"[._-]?")
"""What joins two groups into one word: nothing, or one dot, hyphen or underscore."""
_HAS_LETTER = re.compile(r"[A-Za-z]")

MAX_ATOMS_PER_CODE = 12
"""A code is at most this many letter or digit runs (``4471-A20-339`` is four;
a PLC order number such as ``6ES7 214-1AG40-0XB0`` ten, a serial of letter
and digit pairs such as ``W1A2B3C4D5E6`` twelve)."""


def code_key(text: str) -> str:
    """The compact key of a code: upper case, separators removed."""
    return _SEPARATORS.sub("", text).upper()


def same_spelling(text: str) -> tuple[str, ...]:
    """A code's letter and digit runs, case aside: ``E-1`` and ``e1`` are one
    code spelled two ways, but ``2.1`` and ``21`` are two codes that share a
    key (a separator between two digit runs changes the number)."""
    return tuple(atom.upper() for atom in _ATOM.findall(text))


def spelled_in(code: str, text: str) -> bool:
    """Whether ``text`` spells ``code`` with its own runs, as a whole token:
    ``"fault 2.1"`` spells ``2.1`` but not ``21``; ``"e 1"`` spells ``E-1``."""
    atoms = same_spelling(code)
    if not atoms:
        return False
    pattern = re.escape(atoms[0])
    for before, atom in zip(atoms, atoms[1:], strict=False):
        # Two digit (or letter) runs side by side would read as one.
        joined = before[-1].isdigit() == atom[0].isdigit()
        pattern += (r"[\s\-_./]+" if joined else r"[\s\-_./]*") + re.escape(atom)
    edge_before = r"(?<![A-Za-z0-9])(?<![A-Za-z0-9][-_./])"
    edge_after = r"(?![A-Za-z0-9])(?![-_./][A-Za-z0-9])"
    found = re.search(edge_before + pattern + edge_after, text, re.IGNORECASE)
    return found is not None


def looks_like_code(token: str) -> bool:
    """A token holding both a letter and a digit, e.g. ``E-42`` or ``A20``."""
    return bool(_HAS_DIGIT.search(token) and _HAS_LETTER.search(token))


def code_keys_in_text(text: str, formats: Sequence[re.Pattern[str]] = ()) -> set[str]:
    """Keys of the code-shaped tokens in stored text, for the search index.

    A token counts when it mixes letters and digits, or when it matches one of
    the KB's declared ``formats`` (so all-digit part numbers count too).
    """
    keys = {
        code_key(match.group())
        for match in _WORD_WITH_SEPARATORS.finditer(text)
        if looks_like_code(match.group())
    }
    for pattern in formats:
        keys.update(code_key(match.group()) for match in pattern.finditer(text))
    return keys


@dataclass(frozen=True, slots=True)
class Window:
    """A run of letter or digit groups in a query (``start``/``end`` count groups)."""

    start: int
    end: int
    key: str


def candidate_windows(query: str) -> list[Window]:
    """Every run of up to :data:`MAX_ATOMS_PER_CODE` letter or digit groups
    that holds a digit and cuts no word in two.

    ``"pump e 42 trips"`` yields a window spelling ``E42`` among others; in
    ``"O2 sensor"``, ``"12v battery"``, ``"the 2nd time"`` or ``"18.4 volts"``
    no window spells ``2``, ``12`` or ``18``, which are only part of a word
    (groups joined by a dot, hyphen or underscore are one word: ``E-42``).
    Nor does a plain number that a count or unit follows: ``12 volts``.
    """
    found = list(_ATOM.finditer(query))
    atoms = [match.group() for match in found]
    # glued[i]: atom i runs straight on into atom i + 1 (``O2``, ``18.4``).
    glued = [
        _GLUE.fullmatch(query, a.end(), b.start()) is not None
        for a, b in zip(found, found[1:], strict=False)
    ]
    glued.append(False)
    return [
        Window(start, end, key)
        for start in range(len(atoms))
        if start == 0 or not glued[start - 1]
        for end in range(start + 1, min(start + MAX_ATOMS_PER_CODE, len(atoms)) + 1)
        if not glued[end - 1]
        and _HAS_DIGIT.search(key := "".join(atoms[start:end]).upper())
        and not (key.isdigit() and is_quantity(query, found[end - 1].end()))
    ]


def candidate_keys(query: str) -> list[str]:
    """The keys of :func:`candidate_windows`, in order, without repeats."""
    return list(dict.fromkeys(window.key for window in candidate_windows(query)))


def outermost_known(windows: Sequence[Window], known: Collection[str]) -> list[str]:
    """Known keys, leaving out any whose window lies inside a longer known one.

    In ``6630-E20-403`` the part number is meant, not the fault code ``E20``
    that its middle group happens to spell.
    """
    hits = [w for w in windows if w.key in known]
    kept = [
        w
        for w in hits
        if not any(
            o.start <= w.start
            and w.end <= o.end
            and (o.end - o.start) > (w.end - w.start)
            for o in hits
        )
    ]
    return list(dict.fromkeys(w.key for w in kept))


def compile_formats(formats: Iterable[CodeFormat]) -> list[re.Pattern[str]]:
    """Compile declared formats for searching inside text (word-bounded)."""
    return [
        re.compile(rf"(?<![A-Za-z0-9])(?:{fmt.pattern})(?![A-Za-z0-9])")
        for fmt in formats
    ]


def iter_format_matches(
    text: str, formats: Sequence[CodeFormat]
) -> Iterator[tuple[CodeFormat, str]]:
    """Each ``(format, code)`` found in ``text``, in order of appearance."""
    compiled = compile_formats(formats)
    found = [
        (match.start(), fmt, match.group())
        for fmt, pattern in zip(formats, compiled, strict=True)
        for match in pattern.finditer(text)
    ]
    for _, fmt, code in sorted(found, key=lambda item: item[0]):
        yield fmt, code
