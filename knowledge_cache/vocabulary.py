"""The knowledge base's own vocabulary: typo tolerance and word splits.

The index holds Porter stems (FTS5's ``porter`` tokenizer). A question word
whose stem the index lacks may be misspelled ("presure"), run together
("bearinghousing") or cut short ("cleara"); a word of everyday English that
the KB happens not to use ("volts", "sagging") is none of these, and is left
as it is. The vocabulary is read from the index once
per KB version, and only when such a word comes up.
"""

from __future__ import annotations

import bisect

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlite_utils import Database

from knowledge_cache.stemming import stem_words
from knowledge_cache.writer import kb_version

MIN_TYPO_LENGTH = 4
"""Shorter words are too easily another real word to correct."""
MIN_PREFIX_MATCH = 5
"""A stem this long at the start of an unknown word may be its root."""
MIN_SPLIT_PART = 3


class Vocabulary:
    """Stems of the index with their document counts, cached per KB version."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._counts: dict[str, int] = {}
        self._by_frequency: list[str] = []
        self._sorted: list[str] = []
        self._by_length: dict[int, list[str]] = {}

    def counts(self, db: Database) -> dict[str, int]:
        """Every indexed word stem and how many chunks hold it."""
        version = kb_version(db)
        if version != self._version:
            rows = db.execute("SELECT term, doc FROM chunks_fts_vocab").fetchall()
            self._counts = {str(term): int(doc) for term, doc in rows}
            self._by_frequency = sorted(
                (t for t in self._counts if t.isalpha() and len(t) >= MIN_SPLIT_PART),
                key=lambda t: (-self._counts[t], t),
            )
            self._sorted = sorted(self._counts)
            self._by_length = {}
            for term in self._by_frequency:
                self._by_length.setdefault(len(term), []).append(term)
            self._version = version
        return self._counts

    def correction(self, db: Database, word: str) -> str | None:
        """The indexed stem ``word`` most likely misspells, or None.

        Its stem one edit away (a swap of two neighbours counts as one) for
        words of up to seven letters, two for longer; failing that, the
        longest indexed stem that the word starts with, give or take one edit
        from seven letters on ("cavitaion" is "cavit", the stem of
        "cavitation"). Among equally close stems, the one in most chunks.
        """
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
            return None
        self.counts(db)
        (stem,) = stem_words([word])
        limit = 1 if len(word) < 8 else 2
        best = process.extractOne(
            stem, self._by_frequency, scorer=OSA.distance, score_cutoff=limit
        )
        if best is not None and best[1] > 0:
            return str(best[0])
        for length in range(len(word) - 1, MIN_PREFIX_MATCH - 1, -1):
            stems = self._by_length.get(length, [])
            allowed = 1 if length >= 7 else 0
            found = process.extractOne(
                word[:length], stems, scorer=OSA.distance, score_cutoff=allowed
            )
            if found is not None:
                return str(found[0])
        return None

    def split(self, db: Database, word: str) -> tuple[str, str] | None:
        """Two indexed words that ``word`` runs together ("wearring"), or None."""
        counts = self.counts(db)
        for cut in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1):
            left, right = word[:cut], word[cut:]
            if all(counts.get(stem, 0) for stem in stem_words([left, right])):
                return left, right
        return None

    def prefixed(self, db: Database, prefix: str) -> int:
        """How many chunks hold a word starting with ``prefix`` (an estimate:
        the sum over matching stems)."""
        counts = self.counts(db)
        total = 0
        for term in self._sorted[bisect.bisect_left(self._sorted, prefix) :]:
            if not term.startswith(prefix):
                break
            total += counts[term]
        return total
