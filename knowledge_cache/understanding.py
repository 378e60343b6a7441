"""A question in a technician's words, turned into what to search for.

The question's own content words are always searched. Each may bring
alternatives, every one of them found in the knowledge base itself or in its
glossary:

- glossary phrases: "genny" also searches "generator set", "running hot"
  also "high temperature"; abbreviations both ways ("AVR" and "automatic
  voltage regulator"), including those the KB's own text defines;
- numbers both ways: "fourth" and "4", "10" and "ten";
- words the index lacks: run-together words split ("wearring" to "wear
  ring"), misspellings corrected to the closest indexed word ("presure"), and
  otherwise the word as a prefix ("temp" finds "temperature");
- two words that the KB writes as one ("gen set" and "genset").

Nothing here changes what the question says: alternatives are added to the
search (OR), and the chunks that hold the question's own words still rank on
them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge_cache.glossary import PhraseTable, tokens
from knowledge_cache.numbers import number_spellings, number_value
from knowledge_cache.stemming import stem_words
from knowledge_cache.stopwords import STOP_WORDS

MIN_PREFIX = 4
MAX_ALTERNATIVES = 4
"""Per question word or phrase: more would drown the question's own words."""


class Source(StrEnum):
    """Why an alternative was searched, for traces and ``kb search --explain``."""

    GLOSSARY = "glossary"
    NUMBER = "number"
    SPLIT = "split"
    JOINED = "joined"
    TYPO = "typo"
    PREFIX = "prefix"


@dataclass(frozen=True, slots=True)
class Alternative:
    """Words to search for besides the question's own.

    ``text`` is a phrase of plain words, or an indexed stem when ``stem`` is
    set (typo corrections and prefixes come from the index as stems).
    """

    text: str
    source: Source
    stem: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Understanding:
    """The question's content words and, per word or phrase, its alternatives."""

    words: tuple[str, ...]
    alternatives: Mapping[str, tuple[Alternative, ...]] = field(default_factory=dict)

    def alternatives_of(self, word: str) -> list[Alternative]:
        """Alternatives of ``word`` and of every matched phrase holding it."""
        return [
            alternative
            for phrase, found in self.alternatives.items()
            if word in phrase.split()
            for alternative in found
        ]

    def describe(self) -> list[str]:
        """One line per alternative, e.g. ``genny -> generator set (glossary)``."""
        return [
            f"{phrase} -> {a.text}{'*' if a.prefix else ''} ({a.source.value})"
            for phrase, found in self.alternatives.items()
            for a in found
        ]


def understand(
    text: str,
    *,
    phrases: Mapping[str, set[str]],
    units: Mapping[str, set[str]] | None = None,
    frequency: Callable[[Sequence[str]], Mapping[str, int]],
    correction: Callable[[str], str | None],
    split: Callable[[str], tuple[str, str] | None],
    is_word: Callable[[str], bool] = lambda _word: False,
) -> Understanding:
    """What to search for ``text``.

    Args:
        phrases: glossary phrases (by stems) and their alternatives.
        units: unit spellings (by stems) and their alternatives, applied
            after a number only.
        frequency: chunks holding each of some words (0 for unknown words).
        correction: the indexed stem a word misspells, or None.
        split: the two indexed words a word runs together, or None.
        is_word: whether a word the KB lacks is a word in its own right
            (everyday English), so neither a typo nor a cut word.
    """
    words = tokens(text)
    content = list(
        dict.fromkeys(
            w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())
        )
    )
    found: dict[str, list[Alternative]] = {}
    covered = _glossary_matches(words, phrases, units or {}, found)
    counts = frequency(content)
    for word in content:
        value = number_value(word) if not word.isdecimal() else int(word)
        if value is not None:
            spellings = [s for s in number_spellings(value) if s != word]
            known = frequency(spellings)
            for spelling in spellings:
                if known.get(spelling, 0):
                    _add(found, word, Alternative(spelling, Source.NUMBER))
            continue
        if counts.get(word, 0) or word in covered or not word.isalpha():
            continue
        _unknown_word(word, found, correction, split, is_word)
    _joined_pairs(content, counts, frequency, found)
    kept = {key: [a for a in found[key] if not _contains(a, key)] for key in found}
    return Understanding(
        words=tuple(content),
        alternatives={k: tuple(v[:MAX_ALTERNATIVES]) for k, v in kept.items() if v},
    )


def _contains(alternative: Alternative, phrase: str) -> bool:
    """Whether the alternative holds every word of the phrase ("tightening
    torque" for "torque"): whatever it finds, the phrase's own words find too,
    and searching it would only cost time."""
    if alternative.stem:
        return False
    have = set(stem_words(tokens(alternative.text)))
    return set(stem_words(tokens(phrase))) <= have


def _glossary_matches(
    words: Sequence[str],
    phrases: Mapping[str, set[str]],
    units: Mapping[str, set[str]],
    found: dict[str, list[Alternative]],
) -> set[str]:
    """Add the alternatives of glossary phrases in ``words`` (compared by
    stems), longest first, and of units written after a number; return the
    words they cover."""
    stems = stem_words(words)
    longest = (
        phrases.longest
        if isinstance(phrases, PhraseTable)
        else max((len(p.split()) for p in phrases), default=0)
    )
    covered: set[str] = set()
    i = 0
    while i < len(words):
        after_number = i > 0 and words[i - 1].isdigit()
        for size in range(min(longest, len(words) - i), 0, -1):
            key = " ".join(stems[i : i + size])
            table = units if after_number and key in units else phrases
            if key in table and not (size == 1 and words[i] in STOP_WORDS):
                phrase = " ".join(words[i : i + size])
                for alternative in sorted(table[key]):
                    _add(found, phrase, Alternative(alternative, Source.GLOSSARY))
                covered.update(words[i : i + size])
                i += size
                break
        else:
            i += 1
    return covered


def _unknown_word(
    word: str,
    found: dict[str, list[Alternative]],
    correction: Callable[[str], str | None],
    split: Callable[[str], tuple[str, str] | None],
    is_word: Callable[[str], bool],
) -> None:
    parts = split(word)
    if parts is not None:
        _add(found, word, Alternative(" ".join(parts), Source.SPLIT))
        return
    if is_word(word):
        return  # A word of its own, that the KB does not use: nothing to fix.
    corrected = correction(word)
    if corrected is not None:
        _add(found, word, Alternative(corrected, Source.TYPO, stem=True))
        return
    (stem,) = stem_words([word])
    if len(stem) >= MIN_PREFIX:
        _add(found, word, Alternative(stem, Source.PREFIX, stem=True, prefix=True))


def _joined_pairs(
    content: Sequence[str],
    counts: Mapping[str, int],
    frequency: Callable[[Sequence[str]], Mapping[str, int]],
    found: dict[str, list[Alternative]],
) -> None:
    """Two neighbouring words the KB writes as one ("gen set": "genset")."""
    pairs = [
        (a, b)
        for a, b in zip(content, content[1:], strict=False)
        if a.isalpha() and b.isalpha()
    ]
    joined = frequency([a + b for a, b in pairs]) if pairs else {}
    for a, b in pairs:
        if joined.get(a + b, 0) and a + b not in counts:
            _add(found, f"{a} {b}", Alternative(a + b, Source.JOINED))


def _add(found: dict[str, list[Alternative]], key: str, alt: Alternative) -> None:
    entries = found.setdefault(key, [])
    new = alt.text != key or alt.prefix
    if new and all((e.text, e.prefix) != (alt.text, alt.prefix) for e in entries):
        entries.append(alt)
