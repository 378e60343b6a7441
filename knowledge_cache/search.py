"""Search: exact code hits first, then BM25 over FTS5 with field weights.

User text never reaches FTS5 as syntax: it is split into words and code keys,
each quoted, joined with OR. Ranking uses the ``rank`` function configured in
the migrations (title and section weigh more than body; codes most).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from sqlite_utils import Database

from knowledge_cache.codes import candidate_keys, looks_like_code
from knowledge_cache.errors import QuerySyntaxError
from knowledge_cache.models import Chunk, SearchHit
from knowledge_cache.stopwords import STOP_WORDS

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
SNIPPET_CHARS = 160

_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK_COLUMNS = "c.id, c.chunk_id, c.document_id, c.title, c.section, c.page, c.body"


def query_words(query: str) -> list[str]:
    """The query's content words, lower case, stop words removed, in order."""
    words = [w.lower() for w in _WORD.findall(query[:MAX_QUERY_CHARS])]
    content = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(content or words))


def match_expression(words: Sequence[str], code_keys: Sequence[str]) -> str:
    """An FTS5 expression: each word and code key quoted, joined with OR."""
    terms = [_quote(word) for word in words]
    terms.extend(f"codes : {_quote(key)}" for key in code_keys)
    return " OR ".join(terms)


def known_code_keys(db: Database, keys: Sequence[str]) -> list[str]:
    """The candidate keys that a code table registered, in query order."""
    if not keys:
        return []
    placeholders = ", ".join("?" for _ in keys)
    found = {
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT key FROM codes WHERE key IN ({placeholders})", list(keys)
        )
    }
    return [key for key in keys if key in found]


def search_chunks(db: Database, query: str, *, limit: int = 10) -> list[SearchHit]:
    """Best chunks for ``query``: code-table rows for exact codes, then BM25.

    Raises:
        QuerySyntaxError: the search engine refused the query.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    words = query_words(query)
    candidates = candidate_keys(query[:MAX_QUERY_CHARS])
    exact = known_code_keys(db, candidates)
    fts_keys = list(dict.fromkeys([*exact, *filter(looks_like_code, candidates)]))
    expression = match_expression(words, fts_keys)
    if not expression:
        return []
    try:
        ranked = _ranked_rowids(db, expression, limit)
        code_rows = _code_rowids(db, exact)
        scores = dict(ranked)
        scores.update(
            _scores_for(db, expression, [r for r in code_rows if r not in scores])
        )
        order = list(dict.fromkeys([*code_rows, *(rowid for rowid, _ in ranked)]))[
            :limit
        ]
        chunks = _chunks_by_rowid(db, order)
    except sqlite3.OperationalError as exc:
        raise QuerySyntaxError(f"The search could not run ({exc}).") from exc
    exact_rows = set(code_rows)
    return [
        SearchHit(
            chunk=chunks[rowid],
            score=round(scores.get(rowid, 0.0), 4),
            snippet=make_snippet(chunks[rowid].text, words),
            match="code" if rowid in exact_rows else "text",
        )
        for rowid in order
        if rowid in chunks
    ]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _ranked_rowids(
    db: Database, expression: str, limit: int
) -> list[tuple[int, float]]:
    rows = db.execute(
        "SELECT rowid, -rank FROM chunks_fts WHERE chunks_fts MATCH ? "
        "ORDER BY rank LIMIT ?",
        [expression, limit],
    ).fetchall()
    return [(int(rowid), float(score)) for rowid, score in rows]


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


def _scores_for(
    db: Database, expression: str, rowids: Sequence[int]
) -> dict[int, float]:
    scores: dict[int, float] = {}
    for rowid in rowids:
        row = db.execute(
            "SELECT -rank FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid = ?",
            [expression, rowid],
        ).fetchone()
        scores[rowid] = float(row[0]) if row else 0.0
    return scores


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
