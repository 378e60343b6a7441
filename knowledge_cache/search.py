"""Search: exact code hits first, then BM25 over FTS5 with field weights.

User text never reaches FTS5 as syntax: it is split into words and code keys,
each quoted, joined with OR. Ranking is BM25 with field weights (title and
section weigh more than body; codes most).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from knowledge_cache.code_keys import (
    candidate_windows,
    code_keys_in_text,
    outermost_known,
)
from knowledge_cache.concepts import (
    Concept,
    Preference,
    concepts,
    holds_every,
    rerank,
)
from knowledge_cache.errors import QuerySyntaxError
from knowledge_cache.fusion import fuse
from knowledge_cache.glossary import tokens
from knowledge_cache.intent import Intent
from knowledge_cache.migrations import FIELD_WEIGHTS
from knowledge_cache.models import Chunk, SearchHit
from knowledge_cache.query_plan import (
    FrequencyCache,
    PlanStep,
    Term,
    chunk_count,
    document_frequencies,
    plan_expressions,
)
from knowledge_cache.question_codes import CodeReading
from knowledge_cache.stopwords import STOP_WORDS
from knowledge_cache.subjects import chunk_subjects
from knowledge_cache.understanding import Understanding
from knowledge_cache.vectors import meaning_text

RANKING = f"bm25(chunks_fts, {', '.join(str(w) for w in FIELD_WEIGHTS)})"
"""BM25 with field weights, written out: faster than the table's ``rank``."""

MAX_QUERY_CHARS = 500
RERANK_POOL = 20
COMMON_ALTERNATIVE = 1_000
"""Alternatives held by more chunks than this (or 5% of a bigger KB) are left
out of the search: too common to tell chunks apart."""
"""BM25 candidates re-ranked by how much of the question each holds."""
MAX_LIMIT = 100
SNIPPET_CHARS = 160

_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK_COLUMNS = "c.id, c.chunk_id, c.document_id, c.title, c.section, c.page, c.body"


def query_words(query: str) -> list[str]:
    """The query's content words, lower case, stop words removed, in order."""
    words = [w.lower() for w in _WORD.findall(query[:MAX_QUERY_CHARS])]
    content = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(content or words))


def query_expressions(
    db: Database,
    query: str,
    known_keys: Sequence[str],
    frequencies: FrequencyCache | None = None,
) -> list[PlanStep]:
    """The FTS5 expressions for ``query``, to run in turn until enough rows are
    found: its content words, the codes a table knows (``known_keys``) and the
    code-shaped tokens typed in it, each quoted, planned so that scoring stays
    bounded (see :mod:`knowledge_cache.query_plan`).
    """
    words = query_words(query)
    counts = document_frequencies(db, words, frequencies)
    typed = sorted(code_keys_in_text(query[:MAX_QUERY_CHARS]))
    terms = [Term(_quote(word), counts.get(word, 0)) for word in words]
    terms.extend(
        Term(f"codes : {_quote(key)}", 0)
        for key in dict.fromkeys([*known_keys, *typed])
    )
    return plan_expressions(terms)


def known_code_keys(
    db: Database, query: str, longer: Collection[str] = ()
) -> list[str]:
    """Keys of the codes a code table registered that ``query`` spells, in order.

    A code spelled inside a longer known code (the ``E20`` in ``6630-E20-403``),
    or inside one of the ``longer`` keys (codes of a declared format, listed or
    not), does not count.
    """
    windows = candidate_windows(query[:MAX_QUERY_CHARS])
    keys = list(dict.fromkeys(window.key for window in windows))
    if not keys:
        return []
    placeholders = ", ".join("?" for _ in keys)
    found = {
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT key FROM codes WHERE key IN ({placeholders})", keys
        )
    }
    outermost = outermost_known(windows, found | set(longer))
    return [key for key in outermost if key in found]


def search_chunks(
    db: Database,
    query: str,
    *,
    limit: int = 10,
    frequencies: FrequencyCache | None = None,
    understood: UnderstoodQuery | None = None,
    similarity: Similarity | None = None,
    nearest: Nearest | None = None,
) -> list[SearchHit]:
    """Best chunks for ``query``: code-table rows for exact codes, then BM25.

    With ``understood`` (see :meth:`KnowledgeStore.search`), the codes read
    from the question lead, and its words are searched with their
    alternatives; without it, the question's own words and codes only. A
    ``similarity`` (of meaning, between the query and texts) joins the
    re-ranking of an understood question's candidates; so do the chunks
    whose vectors lie nearest the question (``nearest``, asked only for a
    question that is re-ranked), fused by rank (see
    :mod:`knowledge_cache.fusion`).

    Raises:
        QuerySyntaxError: the search engine refused the query.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    try:
        if understood is None:
            words = query_words(query)
            exact = known_code_keys(db, query)
            expressions = query_expressions(db, query, exact, frequencies)
        else:
            words = list(understood.understanding.words)
            exact = list(understood.exact_keys)
            expressions, counts = understood_expressions(db, understood, frequencies)
        # A question of two or more words (or codes) is re-ranked by how much
        # of it each candidate holds; with one, BM25's order is that order.
        reranked = understood is not None and (
            len(understood.understanding.words) + len(understood.code_keys) > 1
        )
        ranked = ranked_rows(db, expressions, limit, RERANK_POOL if reranked else None)
        pool: dict[int, Chunk] = {}
        keyword = {rowid for rowid, _ in ranked}
        if reranked and understood is not None:
            pool = _chunks_by_rowid(db, [rowid for rowid, _ in ranked])
            found = concepts(
                understood.understanding,
                counts,
                chunk_count(db),
                [r.code.key for r in understood.readings if not r.known],
            )
            dense = []
            if nearest is not None and not _answered(found, ranked, pool):
                dense = list(nearest(query))
            if dense:
                ranked = fuse(ranked, dense)
                pool = _chunks_by_rowid(db, [rowid for rowid, _ in ranked])
            similar = _similarities(similarity, query, ranked, pool, dict(dense))
            wanted = understood.intent.subject
            subjects = chunk_subjects(db, pool) if wanted is not None else {}
            ranked = rerank(ranked, pool, found, similar, Preference(wanted, subjects))
        ranked = ranked[:limit]
        code_rows = _code_rowids(db, exact)
        order = list(dict.fromkeys([*code_rows, *(rowid for rowid, _ in ranked)]))
        missing = [rowid for rowid in order[:limit] if rowid not in pool]
        chunks = {**pool, **_chunks_by_rowid(db, missing)}
    except sqlite3.OperationalError as exc:
        raise QuerySyntaxError(f"The search could not run ({exc}).") from exc
    scores = dict(ranked)
    best = max(scores.values(), default=0.0)
    exact_rows = set(code_rows)
    return [
        SearchHit(
            chunk=chunks[rowid],
            # An exact code match ranks first whatever BM25 says of it.
            score=round(
                scores.get(rowid, best) if rowid not in exact_rows else best, 4
            ),
            snippet=make_snippet(chunks[rowid].text, words),
            match=_match(rowid, exact_rows, keyword),
        )
        for rowid in order[:limit]
        if rowid in chunks
    ]


def _answered(
    found: Sequence[Concept],
    ranked: Sequence[tuple[int, float]],
    pool: Mapping[int, Chunk],
) -> bool:
    """Some keyword candidate holds every word of the question: then the
    nearest vectors are not asked (see :mod:`knowledge_cache.fusion`)."""
    return any(holds_every(found, pool[rowid]) for rowid, _ in ranked if rowid in pool)


def _match(rowid: int, exact: Collection[int], keyword: Collection[int]) -> str:
    """``code`` for an exact code row, ``text`` for a keyword match, ``meaning``
    for a chunk found by its vector alone."""
    if rowid in exact:
        return "code"
    return "text" if rowid in keyword else "meaning"


Similarity = Callable[[str, Sequence[str]], Sequence[float]]
"""Similarity of meaning between a question and each of some texts (-1 to 1)."""

Nearest = Callable[[str], Sequence[tuple[int, float]]]
"""The chunks (rowid, cosine) whose vectors lie nearest a question, nearest first."""


def _similarities(
    similarity: Similarity | None,
    query: str,
    ranked: Sequence[tuple[int, float]],
    pool: Mapping[int, Chunk],
    known: Mapping[int, float],
) -> dict[int, float] | None:
    """Each candidate's similarity of meaning to the question. The cosines of
    the nearest vectors (``known``) stand in for the chunks they found: the
    app embeds chunks with its similarity's model, so they are the same
    figures, without embedding those chunks' texts again."""
    if similarity is None:
        return None
    rowids = [rowid for rowid, _ in ranked if rowid in pool and rowid not in known]
    texts = [meaning_text(pool[rowid]) for rowid in rowids]
    found = dict(zip(rowids, similarity(query, texts), strict=True))
    return {**found, **{r: known[r] for r, _ in ranked if r in pool and r in known}}


@dataclass(frozen=True, slots=True)
class UnderstoodQuery:
    """A question read for search: the codes it names, its words and their
    alternatives (built by the store, which holds the glossary)."""

    exact_keys: tuple[str, ...]
    """Keys of the codes the code tables list, in the question's order."""
    code_keys: tuple[str, ...]
    """Keys of every code the question names, searched in the codes column."""
    understanding: Understanding
    readings: tuple[CodeReading, ...] = ()
    prefix_counts: Mapping[str, int] = field(default_factory=dict)
    intent: Intent = Intent.INFORMATION
    """What the question asks for; ranking prefers chunks about it."""


def understood_expressions(
    db: Database, understood: UnderstoodQuery, frequencies: FrequencyCache | None
) -> tuple[list[PlanStep], dict[str, int]]:
    """The FTS5 plan for an understood question: its words, each word's
    alternatives and its codes, each quoted (prefixes get FTS5's ``*``)."""
    understanding = understood.understanding
    alternatives = [a for found in understanding.alternatives.values() for a in found]
    plain = [a.text for a in alternatives if not a.stem]
    codes = [key.lower() for key in understood.code_keys]
    words = [*understanding.words, *(w for p in plain for w in tokens(p)), *codes]
    counts = document_frequencies(db, list(dict.fromkeys(words)), frequencies)
    # An alternative in a large share of a big KB adds little but scoring time.
    common = max(COMMON_ALTERNATIVE, chunk_count(db) // 20)
    position = {word: i for i, word in enumerate(understanding.words)}
    terms = [
        Term(_quote(word), counts.get(word, 0), i)
        for i, word in enumerate(understanding.words)
    ]
    for phrase, found in understanding.alternatives.items():
        group = next((position[w] for w in phrase.split() if w in position), None)
        for alternative in found:
            if alternative.prefix:
                documents = understood.prefix_counts.get(alternative.text, 0)
                expression = f"{_quote(alternative.text)}*"
            elif alternative.stem:
                documents, expression = 0, _quote(alternative.text)
            else:
                words = tokens(alternative.text)
                documents = min((counts.get(w, 0) for w in words), default=0)
                expression = _quote(alternative.text)
            if documents <= common:
                terms.append(Term(expression, documents, group))
    terms.extend(
        Term(f"codes : {_quote(key)}", counts.get(key.lower(), 0))
        for key in understood.code_keys
    )
    unique = list({term.expression: term for term in terms}.values())
    return plan_expressions(unique), counts


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def ranked_rows(
    db: Database, steps: Sequence[PlanStep], limit: int, fetch: int | None = None
) -> list[tuple[int, float]]:
    """Run the plan's steps in turn until ``limit`` rows are found, best first.

    Each step returns up to ``fetch`` rows (default ``limit``): candidates to
    re-rank come from the steps that ``limit`` needs, never from another,
    costlier step.
    """
    fetch = max(fetch or limit, limit)
    found: dict[int, float] = {}
    for step in steps:
        for rowid, score in db.execute(*step_query(step, fetch)).fetchall():
            found.setdefault(int(rowid), float(score))
        if len(found) >= limit:
            break
    return list(found.items())[:fetch]


def step_query(step: PlanStep, limit: int) -> tuple[str, list[object]]:
    """The SQL and parameters of one plan step: ``rowid, score`` best first."""
    select = (
        f"SELECT rowid, -{RANKING} AS score FROM chunks_fts WHERE chunks_fts MATCH ?1"
    )
    if step.window is None:
        return f"{select} ORDER BY score DESC LIMIT ?2", [step.expression, limit]
    newest = (
        "SELECT min(rowid) FROM (SELECT rowid FROM chunks_fts WHERE chunks_fts "
        "MATCH ?1 ORDER BY rowid DESC LIMIT ?3)"
    )
    return (
        f"{select} AND rowid >= ({newest}) ORDER BY score DESC LIMIT ?2",
        [step.expression, limit, step.window],
    )


def _code_rowids(db: Database, keys: Sequence[str]) -> list[int]:
    rowids: list[int] = []
    for key in keys:
        rowids.extend(
            int(row[0])
            for row in db.execute(
                "SELECT c.id FROM codes k JOIN chunks c ON c.chunk_id = k.chunk_id "
                "WHERE k.key = ? ORDER BY k.document_id",
                [key],
            )
        )
    return list(dict.fromkeys(rowids))


def _chunks_by_rowid(db: Database, rowids: Sequence[int]) -> dict[int, Chunk]:
    if not rowids:
        return {}
    placeholders = ", ".join("?" for _ in rowids)
    rows = db.execute(
        f"SELECT {_CHUNK_COLUMNS} FROM chunks c WHERE c.id IN ({placeholders})",
        list(rowids),
    ).fetchall()
    return {row[0]: chunk_from_row(row[1:]) for row in rows}


def chunk_from_row(row: Sequence[object]) -> Chunk:
    """A :class:`Chunk` from ``(chunk_id, document_id, title, section, page, body)``."""
    chunk_id, document_id, title, section, page, body = row
    return Chunk(
        chunk_id=str(chunk_id),
        document_id=str(document_id),
        title=str(title),
        section=str(section),
        page=int(page) if isinstance(page, int) else None,
        text=str(body),
    )


def make_snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first matched word, matches in [brackets]."""
    stems = [w[: max(3, len(w) - 2)] for w in words if not w.isdigit()]
    numbers = [w for w in words if w.isdigit()]
    alternatives = [rf"{re.escape(s)}\w*" for s in stems] + [
        rf"{re.escape(n)}\b" for n in numbers
    ]
    flat = " ".join(text.split())
    if not alternatives:
        return flat[:width]
    pattern = re.compile(rf"\b(?:{'|'.join(alternatives)})", re.IGNORECASE)
    first = pattern.search(flat)
    start = max(0, (first.start() if first else 0) - width // 3)
    window = flat[start : start + width]
    marked = pattern.sub(lambda m: f"[{m.group()}]", window)
    return ("…" if start else "") + marked + ("…" if start + width < len(flat) else "")
