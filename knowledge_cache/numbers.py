"""Number words and ordinals, and the digits they stand for.

"fourth cylinder" and "cylinder 4", "second stage" and "stage 2", "ten
minutes" and "10 minutes": search looks for both spellings.
"""

from __future__ import annotations

CARDINALS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}

_VALUES: dict[str, int] = {
    **{word: n for n, word in enumerate(CARDINALS)},
    **{word: n for n, word in enumerate(ORDINALS) if n},
    **TENS,
}


def number_value(word: str) -> int | None:
    """The number a word spells ("ten", "second", "2nd", "4th"), or None."""
    word = word.lower()
    if word in _VALUES:
        return _VALUES[word]
    if (
        len(word) > 2
        and word[:-2].isdecimal()
        and word[-2:] in {"st", "nd", "rd", "th"}
    ):
        return int(word[:-2])
    return None


def number_spellings(value: int) -> list[str]:
    """Other ways to write ``value``: digits, the word, the ordinal."""
    forms = [str(value)]
    if 0 < value < len(CARDINALS):
        suffix = "th" if 10 <= value % 100 <= 20 else _SUFFIXES.get(value % 10, "th")
        forms += [CARDINALS[value], ORDINALS[value], f"{value}{suffix}"]
    forms += [word for word, n in TENS.items() if n == value]
    return forms
