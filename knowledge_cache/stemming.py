"""Porter stems, as FTS5's ``porter`` tokenizer writes them into the index."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import snowballstemmer


def stem_words(words: Sequence[str]) -> list[str]:
    """The Porter stem of each (lower-case) word, in order."""
    return [_stem(word) for word in words]


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    # The stemmer is pure Python; questions repeat words, so stems are kept.
    return str(_porter().stemWord(word))


def stem_matches(stem: str, word: str) -> bool:
    """Whether ``word`` (lower case) is a form of ``stem``.

    A stem is a prefix of its words, but for a final ``y`` that Porter turns
    into ``i`` ("battery" -> "batteri") and a final ``e`` that its words drop
    ("prime" for "priming", "remove" for "removing").
    """
    if word.startswith(stem):
        return True
    if stem.endswith("i"):
        return word.startswith(stem[:-1] + "y")
    return stem.endswith("e") and word.startswith(stem[:-1]) and _stem(word) == stem


def stem_prefix(stem: str) -> str:
    """The prefix every word of ``stem`` starts with (see :func:`stem_matches`)."""
    return stem[:-1] if stem.endswith(("i", "e")) else stem


@cache
def _porter() -> Any:
    return snowballstemmer.stemmer("porter")
