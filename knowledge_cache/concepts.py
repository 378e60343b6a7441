"""Which of a question's words a chunk holds, in some form, and re-ranking by it.

A question word counts as held when the chunk has a word of its Porter stem
(as FTS5 matched it) or every word of one of its alternatives (a glossary
phrase, a number, a corrected spelling). BM25 sums over everything that
matched, so a word with several alternatives, or one repeated through a long
section, can outweigh the rest of the question; ranking the best BM25
candidates by how much of the question they hold, weighted by how rare each
word is, puts the chunk that answers the whole question first.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge_cache.glossary import tokens
from knowledge_cache.models import Chunk, CodeKind
from knowledge_cache.stemming import stem_matches, stem_prefix, stem_words
from knowledge_cache.understanding import Alternative, Understanding

_WORD = re.compile(r"\w+")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_NUMBERING = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)+\.?(?![\w.])|^\s*\d+\.?\s", re.MULTILINE
)
"""Section numbers ("5.10", "3 Safety"): no number a question means."""
HEADING_BONUS = 1.0
"""Extra weight, as a share of a word's own, when a heading holds it."""
BM25_SHARE = 0.5
"""How much the BM25 score (relative to the best candidate) adds to coverage."""
SIMILARITY_SHARE = 1.0
"""How much a similarity of meaning (cosine, -1 to 1) adds to coverage."""
KEEP_IN_SIGHT = 5
"""BM25's best candidate stays within this many places."""
PREFERENCE_SHARE = 0.7
"""What being about the kind of thing asked for (a fault, a part) adds."""


@dataclass(frozen=True, slots=True)
class Preference:
    """The kind of listed code a question asks about (a fault, a part) and
    what each candidate (by rowid) is about."""

    wanted: CodeKind | None = None
    subjects: Mapping[int, frozenset[CodeKind]] = field(default_factory=dict)

    def holds(self, rowid: int) -> bool:
        """The candidate is about the kind of thing asked for."""
        return self.wanted is not None and self.wanted in self.subjects.get(
            rowid, frozenset()
        )


@dataclass(frozen=True, slots=True)
class _Concept:
    weight: float
    forms: tuple[tuple[tuple[str, bool], ...], ...]
    """Each form: the stems that must all be present, each (stem, is_prefix)."""
    code_key: str = ""
    """For a code the question names (a model or serial number): its key."""


Concept = _Concept
"""One word (or unlisted code) of a question, as ranking weighs it."""


class ChunkWords:
    """The words of a chunk, sorted, for fast "a word starts with" checks."""

    def __init__(self, text: str) -> None:
        self._words = sorted(set(_WORD.findall(text.lower())))
        self.compact = _SEPARATORS.sub("", text).upper()

    def has_stem(self, stem: str) -> bool:
        """A word of this stem: one that starts with it, or a form Porter
        spells otherwise ("batteri" holds "battery", "prime" "priming")."""
        if self.has_prefix(stem):
            return True
        return any(
            stem_matches(stem, word) for word in self._starting(stem_prefix(stem))
        )

    def has_prefix(self, prefix: str) -> bool:
        return next(self._starting(prefix), None) is not None

    def _starting(self, prefix: str) -> Iterator[str]:
        index = bisect.bisect_left(self._words, prefix)
        while index < len(self._words) and self._words[index].startswith(prefix):
            yield self._words[index]
            index += 1


@lru_cache(maxsize=4096)
def chunk_words(text: str) -> ChunkWords:
    """The words of a text, kept: the same chunks come up question after
    question."""
    return ChunkWords(text)


def concepts(
    understanding: Understanding,
    frequencies: Mapping[str, int],
    chunks: int,
    code_keys: Sequence[str] = (),
) -> list[_Concept]:
    """One concept per content word: its stem and its alternatives' stems,
    weighted by inverse document frequency (unknown words by their best
    alternative's); and one per code that no table lists (a model or serial
    number), weighted as if always in a heading: a serial number on one page
    decides, a model number on every page of its manual barely counts."""
    found = []
    for word, stem in zip(
        understanding.words, stem_words(understanding.words), strict=True
    ):
        forms: list[tuple[tuple[str, bool], ...]] = [((stem, False),)]
        alternatives = understanding.alternatives_of(word)
        forms.extend(_form(alternative) for alternative in alternatives)
        documents = frequencies.get(word, 0)
        if not documents:
            known = [d for a in alternatives if (d := _documents(a, frequencies))]
            documents = min(known, default=0)
        found.append(_Concept(_idf(documents, chunks), tuple(forms)))
    found.extend(
        _Concept(
            (1 + HEADING_BONUS) * _idf(frequencies.get(key.lower(), 0), chunks),
            (),
            key,
        )
        for key in code_keys
    )
    return found


def held(concept: _Concept, words: ChunkWords) -> bool:
    """The words hold the concept's word or every word of an alternative (or,
    for a code, the code in any spelling)."""
    if concept.code_key:
        return concept.code_key in words.compact
    return any(
        all(
            words.has_prefix(stem) if prefix else words.has_stem(stem)
            for stem, prefix in form
        )
        for form in concept.forms
    )


def holds_every(found: Sequence[_Concept], chunk: Chunk) -> bool:
    """The chunk holds every concept of the question, in some form."""
    words = chunk_words(f"{chunk.title} {chunk.section} {chunk.text}")
    return all(held(concept, words) for concept in found)


def coverage_share(
    understanding: Understanding, chunk: Chunk, code_keys: Sequence[str] = ()
) -> float:
    """Share of the question's content words the chunk holds in some form,
    counting each of ``code_keys`` (codes no table lists: a serial or model
    number) as a word held when the chunk names the code."""
    found = concepts(understanding, {}, 1, code_keys)
    if not found:
        return 0.0
    words = chunk_words(f"{chunk.title} {chunk.section} {chunk.text}")
    return sum(held(c, words) for c in found) / len(found)


def rerank(
    candidates: Sequence[tuple[int, float]],
    chunks: Mapping[int, Chunk],
    found: Sequence[_Concept],
    similarities: Mapping[int, float] | None = None,
    preference: Preference | None = None,
) -> list[tuple[int, float]]:
    """``candidates`` (rowid, BM25 score) best first by question coverage:
    the weights of the words held, a bonus for those in a heading, a share of
    the relative BM25 score to break ties and, when given, a share of each
    candidate's similarity of meaning to the question and a bonus for being
    about what the question asks for (``preference``).

    BM25's best candidate stays in the top five: re-ranking may reorder, never
    push the best keyword match out of sight. So does the best candidate
    without the preference.
    """
    if not candidates:
        return []
    best = max((score for _, score in candidates), default=0.0) or 1.0
    similar = similarities or {}
    prefer = preference or Preference()
    scored = []
    for rowid, score in candidates:
        chunk = chunks.get(rowid)
        if chunk is None:
            continue
        body = chunk_words(chunk.text)
        heading = chunk_words(_NUMBERING.sub(" ", f"{chunk.title} {chunk.section}"))
        total = 0.0
        for concept in found:
            in_heading = held(concept, heading)
            if in_heading or held(concept, body):
                total += concept.weight * (1 + HEADING_BONUS * in_heading)
        weight = sum(c.weight for c in found) or 1.0
        meaning = SIMILARITY_SHARE * similar.get(rowid, 0.0)
        about = PREFERENCE_SHARE * prefer.holds(rowid)
        relative = BM25_SHARE * score / best
        scored.append((rowid, total / weight + relative + meaning, about))
    ranked = [(r, s + a) for r, s, a in sorted(scored, key=lambda i: -(i[1] + i[2]))]
    # The intent behind a preference is read from cue words and may be
    # misread: the best candidate without it stays in sight too.
    kept = [candidates[0][0]]
    if scored:
        kept.append(max(scored, key=lambda item: item[1])[0])
    for kept_rowid in kept:
        _keep_in_sight(ranked, kept_rowid)
    return ranked


def _keep_in_sight(ranked: list[tuple[int, float]], rowid: int) -> None:
    """Move ``rowid`` up to the last place in sight if it ranks below it."""
    rows = [r for r, _ in ranked]
    if rowid in rows[KEEP_IN_SIGHT:]:
        kept = ranked.pop(rows.index(rowid))
        ranked.insert(KEEP_IN_SIGHT - 1, kept)


def _form(alternative: Alternative) -> tuple[tuple[str, bool], ...]:
    if alternative.stem:
        return ((alternative.text, alternative.prefix),)
    return tuple((stem, False) for stem in stem_words(tokens(alternative.text)))


def _documents(alternative: Alternative, frequencies: Mapping[str, int]) -> int:
    """Chunks holding the alternative, estimated by its rarest word."""
    if alternative.stem:
        return 0
    counts = [frequencies.get(w, 0) for w in tokens(alternative.text)]
    return min(counts, default=0)


def _idf(documents: int, chunks: int) -> float:
    return math.log(1 + (chunks + 1) / (documents + 1))
