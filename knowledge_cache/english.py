"""The English word list that ships with symspellpy, read once.

Used to tell an everyday word from a misspelled knowledge-base word, and
ordinary words from codes.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

ENGLISH_WORDS = ("symspellpy", "frequency_dictionary_en_82_765.txt")
"""The English word list (word and frequency per line, most frequent first)
that ships with symspellpy: 82,765 words from a large book corpus."""

COMMON_WORDS = 3000
"""How many of the most frequent words count as common."""


def is_english(word: str) -> bool:
    """Whether ``word`` (lower case) is an English word in its own right, so
    not a misspelling of a knowledge-base word ("volts" is not "bolts")."""
    return word in _english_words()


def common_words() -> tuple[str, ...]:
    """The most frequent English words, most frequent first."""
    return _words_by_frequency()[:COMMON_WORDS]


@cache
def _english_words() -> frozenset[str]:
    return frozenset(_words_by_frequency())


@cache
def _words_by_frequency() -> tuple[str, ...]:
    package, name = ENGLISH_WORDS
    try:
        text = resources.files(package).joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ()  # Without the list, every unknown word may be a typo.
    return tuple(line.split(" ", 1)[0] for line in text.splitlines() if line)
