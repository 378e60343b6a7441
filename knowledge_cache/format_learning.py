"""Code formats learned from a code column's own values.

A customer's table rarely comes with a ``kb.toml``. Its code column still
says how its codes are spelled: each value is cut into runs of letters, runs
of digits and separators (``E-42`` is a letter, a hyphen and two digits), and
values with the same runs in the same order share a format. A run spelled
the same in every value stays literal (``ERR``, and the ``0`` of ``0x2310``,
so that no ordinary number fits with a swapped letter); other digit runs
keep the lengths seen (``\\d{2,3}``); a few words spelled out stay so
(``(?:ERR|INFO)``), a letter run of a fixed length keeps the alphabet seen
at each position (``[CEG]``), any other becomes ``[A-Z]{m,n}``. Spellings
and letters are kept only when each was seen about twice or more. A shape
seen once is an accident of the data, not a format. A value written in
hexadecimal with its ``0x`` mark (``0x2310``, ``0xFF00``, ``0x060A0023``) is
one run of hex digits after the mark, whatever letters it happens to hold:
``0X[0-9A-F]{4,8}``, so a code with an ``A`` in it is as readable as one
without.

A format is learned only from a code column, never from prose, and it is
*loose* (kept for ``kb stats`` to show, never used) when it would match
ordinary words (no digit) or ordinary numbers (only digits, and a count, a
year, a decimal, a date or a time fits it). One whose letters are a class
is loose too when an everyday word and a number fit it (``OF 12``), or a
number written with separators (a date, a decimal, a range) with one digit
read as its look-alike letter (``2024-0S`` for ``2024-05``): photos are read
with those swaps allowed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache

from knowledge_cache.english import common_words
from knowledge_cache.models import CodeFormat, CodeKind, LearnedFormat

MIN_SUPPORT = 2
"""Values a shape needs before it counts as a format."""

MAX_ALPHABET = 8
"""Most distinct letters kept as a class at one position; more become [A-Z]."""

_RUN = re.compile(r"[A-Z]+|[0-9]+|\s+|.")
_HEX = re.compile(r"(0X)([0-9A-F]+)")
_HEX_MARK, _HEX_DIGITS = "0X", "H"
"""A hex code's mark, and the class of the run of hex digits after it."""
_SEPARATORS = frozenset("-/_ ")
_LOOK_ALIKE_LETTERS = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B"}
"""Digits OCR may read as letters, and the letter each looks like."""


def learn_formats(
    values: Sequence[str], kind: CodeKind, document_id: str
) -> list[LearnedFormat]:
    """The formats of one code column, most common shape first."""
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for value in values:
        runs, shape = _shape(value)
        if runs:
            groups.setdefault(shape, []).append(runs)
    learned = []
    for shape, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        if len(members) < MIN_SUPPORT:
            continue
        pattern = "".join(_run_pattern(cls, members, i) for i, cls in enumerate(shape))
        # Looseness is judged with every digit run as any digits: a digit the
        # table happens to share (6205-2Z, 6306-2RS) makes no shape less loose.
        judged = "".join(
            _run_pattern(cls, members, i, literal_digits=False)
            for i, cls in enumerate(shape)
        )
        example = "".join(members[0])
        learned.append(
            LearnedFormat(
                CodeFormat(kind, pattern, example, f"learned from {document_id}"),
                len(members),
                document_id,
                looseness(judged, shape),
            )
        )
    return learned


def looseness(pattern: str, shape: Sequence[str]) -> str:
    """Why ``pattern`` (runs ``shape``) would match ordinary words or
    numbers, or ``""``."""
    return _looseness(pattern, tuple(shape))


@lru_cache(maxsize=4096)
def _looseness(pattern: str, shape: tuple[str, ...]) -> str:
    """:func:`looseness`, kept per pattern: tables of one maker's families
    share their shapes, and the checks read thousands of samples."""
    if "D" not in shape and _HEX_DIGITS not in shape:
        return "it has no digits, so it would match ordinary words"
    compiled = re.compile(pattern)
    if "[" in pattern:  # letters as a class, not spelled out as the table does
        phrase = next((p for p in _word_and_number() if compiled.fullmatch(p)), None)
        if phrase is not None:
            return f"it would match a word and a number ({phrase})"
        misread = next((n for n in _numbers_misread() if compiled.fullmatch(n)), None)
        if misread is not None:
            return (
                "it would match an ordinary number with a digit read as a "
                f"look-alike letter ({misread})"
            )
    if "L" not in shape:
        sample = next((n for n in _ordinary_numbers() if compiled.fullmatch(n)), None)
        if sample is not None:
            return f"it has only digits, so it would match ordinary numbers ({sample})"
    return ""


def _shape(value: str) -> tuple[list[str], tuple[str, ...]]:
    """A value's runs and the class of each (``L``, ``D``, ``H`` for the hex
    digits after a ``0x`` mark, or a separator as itself)."""
    text = " ".join(value.upper().split())
    hexadecimal = _HEX.fullmatch(text)
    if hexadecimal is not None:
        return list(hexadecimal.groups()), (_HEX_MARK, _HEX_DIGITS)
    runs = _RUN.findall(text)
    return runs, tuple(_run_class(run) for run in runs)


def _run_class(run: str) -> str:
    if run.isascii() and run.isalpha():
        return "L"
    if run.isascii() and run.isdigit():
        return "D"
    return run  # a separator, kept as itself


def _run_pattern(
    cls: str,
    members: Sequence[Sequence[str]],
    index: int,
    *,
    literal_digits: bool = True,
) -> str:
    texts = [runs[index] for runs in members]
    if cls == "D":
        if literal_digits and len(set(texts)) == 1:
            return texts[0]  # the same digits in every code: part of its spelling
        return _counted(r"\d", [len(t) for t in texts])
    if cls == "L":
        return _letters(texts)
    if cls == _HEX_DIGITS:
        return _counted("[0-9A-F]", [len(t) for t in texts])
    return cls if cls in _SEPARATORS else re.escape(cls)


def _letters(texts: Sequence[str]) -> str:
    words = sorted(set(texts), key=lambda w: (-len(w), w))
    if len(words) == 1:
        return words[0]
    if _few_words(words, len(texts)):
        return f"(?:{'|'.join(words)})"
    lengths = {len(t) for t in texts}
    if len(lengths) > 1:
        return _counted("[A-Z]", [len(t) for t in texts])
    columns = [sorted({t[i] for t in texts}) for i in range(len(texts[0]))]
    tokens = [_letter_class(column, len(texts)) for column in columns]
    return "".join(
        _counted(token, [len(list(group))])
        for token, group in itertools.groupby(tokens)
    )


def _few_words(words: Sequence[str], seen: int) -> bool:
    """A few prefixes spelled out in full (``ERR``, ``INFORMATION``; ``HFP``,
    ``AMX``), each seen about twice or more: kept as they are."""
    return _seen_often(len(words), seen) and all(len(word) > 1 for word in words)


def _letter_class(letters: Sequence[str], seen: int) -> str:
    """One position's letters: the one letter, the few seen (each about twice
    or more), or any letter."""
    if len(letters) == 1:
        return letters[0]
    if _seen_often(len(letters), seen):
        return f"[{''.join(letters)}]"
    return "[A-Z]"


def _seen_often(distinct: int, seen: int) -> bool:
    """A few distinct spellings, each seen about twice or more."""
    return distinct <= MAX_ALPHABET and 2 * distinct <= seen


def _counted(unit: str, lengths: Sequence[int]) -> str:
    low, high = min(lengths), max(lengths)
    if low == high == 1:
        return unit
    if low == high:
        return f"{unit}{{{low}}}"
    return f"{unit}{{{low},{high}}}"


@cache
def _word_and_number() -> tuple[str, ...]:
    """Everyday words before a number, as text writes them (``STEP 3``)."""
    return tuple(
        f"{word.upper()}{sep}{number}"
        for word in common_words()
        if word.isalpha() and len(word) > 1
        for sep in (" ", "-")
        for number in ("3", "12", "250")
    )


@cache
def _ordinary_numbers() -> tuple[str, ...]:
    """Numbers as text writes them: counts, years, decimals, dates, times."""
    return tuple(_numbers())


@cache
def _numbers_misread() -> tuple[str, ...]:
    """Ordinary numbers written with separators (decimals, dates, times,
    ranges) with one digit read as the letter it looks like (``2024-0S``)."""
    numbers = [n for n in _ordinary_numbers() if not n.isdigit()]
    return tuple(
        number[:i] + _LOOK_ALIKE_LETTERS[digit] + number[i + 1 :]
        for number in numbers
        for i, digit in enumerate(number)
        if digit in _LOOK_ALIKE_LETTERS
    )


def _numbers() -> Iterator[str]:
    yield from (str(n) for n in range(100_000))
    yield from (f"{n:02d}" for n in range(10))
    for whole in (0, 1, 3, 12, 150, 2024):
        for part in ("5", "25", "75", "125"):
            yield f"{whole}.{part}"
            yield f"{whole},{part}"
    yield from ("1,200", "10,000", "250,000", "1.200", "10.000")
    for sep in ("-", "/", "."):
        yield f"2024{sep}05{sep}01"
        yield f"01{sep}05{sep}2024"
        yield f"1{sep}5{sep}24"
        yield f"2024{sep}05"
        yield f"05{sep}2024"
    yield from ("10:30", "7:05", "10:30:15", "10-20", "100-200", "1/2", "3/4")
