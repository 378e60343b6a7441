"""Query planning: keep BM25 scoring to a bounded number of rows.

FTS5 scores every row an OR query matches, at about a microsecond a row; a
question with a word found in a third of a 100,000-chunk KB costs tens of
milliseconds. The plan looks up each term's document frequency and, when the
terms together match too many rows, lets only the rarest terms select
candidates while every term still counts in the score:
``(rare1 OR rare2) AND (rare1 OR rare2 OR common1 OR ...)``. Rows that hold
only common words rank low anyway; they are the ones left out. When even the
rarest term is common, the rows that hold every term are ranked first, then
the newest matching chunks within the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from knowledge_cache.stemming import stem_words
from knowledge_cache.writer import kb_version

MAX_SCORED_ROWS = 4_000
"""Above this many matching rows (summed over terms), only rare terms select."""


@dataclass(frozen=True, slots=True)
class Term:
    """One quoted FTS5 term and how many chunks hold it (0 when unknown).

    Terms of one ``group`` are alternatives for one word of the question (the
    word and its glossary forms): a row holding every word holds one of each
    group. A term without a group is a group of its own.
    """

    expression: str
    documents: int
    group: int | None = None


def document_frequencies(
    db: Database, words: Sequence[str], cache: FrequencyCache | None = None
) -> dict[str, int]:
    """Chunks holding each word, from the FTS vocabulary.

    The index holds the Porter stems of its words (FTS5's ``porter``
    tokenizer); the same algorithm stems the query's words. A word the
    vocabulary lacks counts as 0: rare. Counting walks the term's index
    entries, so a ``cache`` keeps counts while the KB version stays the same.
    """
    if not words:
        return {}
    stems = dict(zip(words, stem_words(words), strict=True))
    known = cache.counts(db) if cache is not None else {}
    missing = sorted({stem for stem in stems.values() if stem not in known})
    if missing:
        placeholders = ", ".join("?" for _ in missing)
        sql = f"SELECT term, doc FROM chunks_fts_vocab WHERE term IN ({placeholders})"
        found = dict(db.execute(sql, missing).fetchall())
        known.update({stem: int(found.get(stem, 0)) for stem in missing})
    return {word: known[stem] for word, stem in stems.items()}


def chunk_count(db: Database) -> int:
    """How many chunks the KB holds (the largest rowid: an upper bound that
    costs nothing to read)."""
    row = db.execute("SELECT max(id) FROM chunks").fetchone()
    return int(row[0] or 0)


class FrequencyCache:
    """Document frequencies by stem, valid while the KB version is unchanged."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._version: int | None = None
        self._counts: dict[str, int] = {}

    def counts(self, db: Database) -> dict[str, int]:
        """The cached counts (a live dict), emptied when the KB has changed."""
        version = kb_version(db)
        if version != self._version or len(self._counts) > self._capacity:
            self._counts.clear()
            self._version = version
        return self._counts


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One FTS5 query of a plan; ``window`` bounds it to the newest matches."""

    expression: str
    window: int | None = None


def plan_expressions(
    terms: Sequence[Term], budget: int = MAX_SCORED_ROWS
) -> list[PlanStep]:
    """The FTS5 queries to run in turn until enough rows are found.

    Usually one: the OR of all terms, restricted to rows with a rare term when
    that is cheaper. When even the rarest term is too common (a query of only
    everyday words), rows holding every term come first (few, and the best),
    then the restricted OR ranked within the ``budget`` most recently added
    matching chunks, so that an unspecific query still answers in
    milliseconds; a rarer word in the query searches everything.
    """
    if not terms:
        return []
    everything = " OR ".join(term.expression for term in terms)
    if sum(term.documents for term in terms) <= budget:
        return [PlanStep(everything)]
    selecting: list[Term] = []
    scored = 0
    for term in sorted(terms, key=lambda t: t.documents):
        if selecting and scored + term.documents > budget:
            break
        selecting.append(term)
        scored += term.documents
    if len(selecting) == len(terms):
        return [PlanStep(everything)]
    rare = " OR ".join(term.expression for term in selecting)
    restricted = f"({rare}) AND ({everything})"
    if scored <= budget:
        return [PlanStep(restricted)]
    plan = []
    groups = _groups(terms)
    if len(groups) > 1:
        every_word = " AND ".join(
            f"({' OR '.join(group)})" if len(group) > 1 else group[0]
            for group in groups
        )
        plan.append(PlanStep(every_word, budget))
    return [*plan, PlanStep(restricted, budget)]


def _groups(terms: Sequence[Term]) -> list[list[str]]:
    """The terms' expressions, alternatives of one word together, in order."""
    grouped: dict[object, list[str]] = {}
    for index, term in enumerate(terms):
        key = ("group", term.group) if term.group is not None else ("term", index)
        grouped.setdefault(key, []).append(term.expression)
    return list(grouped.values())
