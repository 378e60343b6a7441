"""A question read for search: the codes it names, looked up, and its words
understood against the glossary layers (general, the KB's own file, the
abbreviations its text defines)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from knowledge_cache.code_lookup import read_codes
from knowledge_cache.english import is_english
from knowledge_cache.glossary import (
    GLOSSARY_FILE,
    Abbreviation,
    Glossary,
    default_glossary,
    parse_glossary,
)
from knowledge_cache.intent import question_intent
from knowledge_cache.query_plan import FrequencyCache, document_frequencies
from knowledge_cache.question_codes import CodeReading
from knowledge_cache.search import MAX_QUERY_CHARS, UnderstoodQuery
from knowledge_cache.understanding import understand
from knowledge_cache.vocabulary import Vocabulary
from knowledge_cache.writer import GLOSSARY_KEY, kb_version, meta


class QuestionReader:
    """Reads questions for search on one KB, keeping its glossary layers and
    vocabulary until the KB changes."""

    def __init__(self, db: Database, frequencies: FrequencyCache) -> None:
        self._db = db
        self._frequencies = frequencies
        self._vocabulary = Vocabulary()
        self._glossary_cache: (
            tuple[int, Glossary, dict[str, set[str]], dict[str, set[str]]] | None
        ) = None

    def understand(self, question: str) -> UnderstoodQuery:
        """Read ``question`` for search: the codes it names (typing slips read,
        each looked up), its content words and their alternatives from the
        glossary, the KB's own abbreviations, numbers and vocabulary."""
        readings = read_codes(self._db, question)
        db, vocabulary = self._db, self._vocabulary
        _, phrases, units = self.glossary_layers()
        understanding = understand(
            _without_codes(question[:MAX_QUERY_CHARS], readings),
            phrases=phrases,
            units=units,
            frequency=lambda words: document_frequencies(db, words, self._frequencies),
            correction=lambda word: vocabulary.correction(db, word),
            split=lambda word: vocabulary.split(db, word),
            is_word=is_english,
        )
        prefixes = {
            a.text
            for found in understanding.alternatives.values()
            for a in found
            if a.prefix
        }
        return UnderstoodQuery(
            exact_keys=tuple(dict.fromkeys(r.code.key for r in readings if r.known)),
            code_keys=tuple(dict.fromkeys(r.code.key for r in readings)),
            understanding=understanding,
            readings=tuple(readings),
            prefix_counts={p: vocabulary.prefixed(db, p) for p in prefixes},
            intent=question_intent(question),
        )

    def glossary_layers(
        self,
    ) -> tuple[Glossary, dict[str, set[str]], dict[str, set[str]]]:
        """The merged glossary and its phrase table, with the abbreviations the
        KB's text defines; rebuilt when the KB version changes."""
        version = kb_version(self._db)
        if self._glossary_cache is None or self._glossary_cache[0] != version:
            glossary = default_glossary()
            stored = meta(self._db, GLOSSARY_KEY)
            if stored:
                glossary = glossary.merged(
                    parse_glossary(stored.encode("utf-8"), layer=GLOSSARY_FILE)
                )
            learned = Glossary(
                abbreviations=tuple(
                    Abbreviation(short, long)
                    for short, long in self._db.execute(
                        "SELECT DISTINCT short, long FROM acronyms ORDER BY short, long"
                    )
                ),
                layers=("defined in the KB",),
            )
            glossary = glossary.merged(learned)
            self._glossary_cache = (
                version,
                glossary,
                glossary.phrase_alternatives(),
                glossary.unit_alternatives(),
            )
        _, glossary, phrases, units = self._glossary_cache
        return glossary, phrases, units


def _without_codes(question: str, readings: Sequence[CodeReading]) -> str:
    """The question with the codes it names blanked out: codes are looked up,
    never searched as words."""
    text = question
    for reading in readings:
        if reading.code.start >= 0:
            start, end = reading.code.start, reading.code.end
            text = text[:start] + " " * (end - start) + text[end:]
    return text
