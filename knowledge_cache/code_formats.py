"""The code formats a knowledge base uses: declared in ``kb.toml``, or learned
from its code tables, and kept current as tables come and go.

A kind the ``kb.toml`` declares formats for uses those alone (the declaration
overrides); every other kind uses the formats learned from its code columns
that are not loose. Whenever the formats in use change, the codes index of
every chunk is rebuilt in the same transaction, so search finds codes in
manuals ingested before the table that taught their shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from knowledge_cache.code_keys import code_key, code_keys_in_text, compile_formats
from knowledge_cache.format_learning import learn_formats
from knowledge_cache.models import CodeFormat, CodeKind, LearnedFormat


def declared_formats(db: Database) -> list[CodeFormat]:
    """The formats of the KB's ``kb.toml``."""
    return [
        CodeFormat(CodeKind(kind), pattern, example, description)
        for kind, pattern, example, description in db.execute(
            "SELECT kind, pattern, example, description FROM code_formats "
            "ORDER BY kind, pattern"
        ).fetchall()
    ]


def learned_formats(db: Database) -> list[LearnedFormat]:
    """Every format learned from the KB's code columns, loose ones included."""
    return [
        LearnedFormat(
            CodeFormat(CodeKind(kind), pattern, example, description),
            int(count),
            str(document_id),
            str(loose),
        )
        for document_id, kind, pattern, example, description, count, loose in (
            db.execute(
                "SELECT document_id, kind, pattern, example, description, count, "
                "loose FROM learned_formats ORDER BY kind, count DESC, pattern"
            ).fetchall()
        )
    ]


def code_formats(db: Database) -> list[CodeFormat]:
    """The formats in use: declared ones, then learned ones (not loose) for
    the kinds ``kb.toml`` says nothing about."""
    return reading_formats(db)[0]


def cued_formats(db: Database) -> list[CodeFormat]:
    """Loose learned formats (plain numbers, mostly) for the kinds ``kb.toml``
    says nothing about: read in a question only right after a code cue such
    as "alarm" (see :mod:`knowledge_cache.question_codes`), never in text."""
    return reading_formats(db)[1]


def reading_formats(db: Database) -> tuple[list[CodeFormat], list[CodeFormat]]:
    """The formats in use and the cued ones (see :func:`code_formats` and
    :func:`cued_formats`), from one read of the declared and learned ones."""
    declared = declared_formats(db)
    kinds = {fmt.kind for fmt in declared}
    learned: dict[tuple[CodeKind, str], CodeFormat] = {}
    cued: dict[tuple[CodeKind, str], CodeFormat] = {}
    for item in learned_formats(db):
        fmt = item.format
        if fmt.kind in kinds:
            continue
        if not item.loose:
            learned.setdefault((fmt.kind, fmt.pattern), fmt)
        elif any(c.isdigit() for c in fmt.example):
            cued.setdefault((fmt.kind, fmt.pattern), fmt)
    return [*declared, *learned.values()], list(cued.values())


@contextmanager
def formats_kept_current(db: Database, document_ids: Iterable[str]) -> Iterator[None]:
    """Around a change to ``document_ids`` (inside the caller's transaction):
    learn their code columns' formats again, and re-index every chunk's codes
    if the formats in use changed."""
    before = code_formats(db)
    yield
    relearn_formats(db, document_ids)
    after = code_formats(db)
    if after != before:
        reindex_chunk_codes(db, after)


def relearn_formats(db: Database, document_ids: Iterable[str]) -> None:
    """Replace the formats learned from each document's code column."""
    for document_id in set(document_ids):
        db.execute("DELETE FROM learned_formats WHERE document_id = ?", [document_id])
        rows = db.execute(
            "SELECT kind, code FROM codes WHERE document_id = ? ORDER BY rowid",
            [document_id],
        ).fetchall()
        by_kind: dict[str, list[str]] = {}
        for kind, code in rows:
            by_kind.setdefault(str(kind), []).append(str(code))
        learned = [
            item
            for kind, values in by_kind.items()
            for item in learn_formats(values, CodeKind(kind), document_id)
        ]
        db.conn.executemany(
            "INSERT OR REPLACE INTO learned_formats(document_id, kind, pattern, "
            "example, description, count, loose) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    item.document_id,
                    item.format.kind.value,
                    item.format.pattern,
                    item.format.example,
                    item.format.description,
                    item.count,
                    item.loose,
                )
                for item in learned
            ],
        )


def reindex_chunk_codes(db: Database, formats: Iterable[CodeFormat]) -> None:
    """Rebuild every chunk's codes column with ``formats`` (and its table row)."""
    patterns = compile_formats(formats)
    row_keys: dict[str, set[str]] = {}
    for chunk_id, code in db.execute("SELECT chunk_id, code FROM codes").fetchall():
        row_keys.setdefault(str(chunk_id), set()).add(code_key(str(code)))
    changed = []
    for rowid, chunk_id, section, body, codes in db.execute(
        "SELECT id, chunk_id, section, body, codes FROM chunks"
    ).fetchall():
        keys = code_keys_in_text(f"{section}\n{body}", patterns)
        keys |= row_keys.get(str(chunk_id), set())
        new = " ".join(sorted(keys))
        if new != codes:
            changed.append((new, rowid))
    db.conn.executemany("UPDATE chunks SET codes = ? WHERE id = ?", changed)
