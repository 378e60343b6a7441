"""Codes and part numbers: one compact key for every spelling of a code.

``E-42``, ``E42``, ``e 42`` and ``E.42`` share the key ``E42``; ``4471-A20-339``
and ``4471A20339`` share ``4471A20339``. Keys are what the ``codes`` table and
the ``codes`` search column hold, so any spelling finds the same entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from knowledge_cache.models import CodeFormat

_SEPARATORS = re.compile(r"[\s\-_./]+")
_ATOM = re.compile(r"[A-Za-z]+|\d+")
_WORD_WITH_SEPARATORS = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-z]")

MAX_ATOMS_PER_CODE = 5
"""A code is at most this many letter or digit runs (``4471-A20-339`` is four)."""


def code_key(text: str) -> str:
    """The compact key of a code: upper case, separators removed."""
    return _SEPARATORS.sub("", text).upper()


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


def candidate_keys(query: str) -> list[str]:
    """Every key that a run of up to five letter or digit groups could spell.

    ``"pump e 42 trips"`` yields ``E42`` among others; only candidates that
    hold a digit are kept, in the order they appear, without repeats.
    """
    atoms = [match.group() for match in _ATOM.finditer(query)]
    seen: dict[str, None] = {}
    for start in range(len(atoms)):
        for end in range(start + 1, min(start + MAX_ATOMS_PER_CODE, len(atoms)) + 1):
            key = "".join(atoms[start:end]).upper()
            if _HAS_DIGIT.search(key):
                seen.setdefault(key, None)
    return list(seen)


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
