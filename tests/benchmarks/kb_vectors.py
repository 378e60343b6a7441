"""The knowledge-cache benchmark's vectors (``bench_kb --vectors``).

Every chunk of the corpus is embedded with the app's model
(``store.embed_missing``), then the queries are searched as the app searches
(with the similarity of meaning), without and with the vectors, each against
the bare FTS5 queries in the same run. Reported: ingest rate with vectors,
disk and memory per 100,000 chunks, and how many of the exact 10 nearest
vectors the sign shortlist finds.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge_cache import Embedder, KnowledgeStore
from knowledge_cache.search import Similarity
from knowledge_cache.vectors import VectorIndex
from tests.benchmarks.reporting import log

SearchBench = Callable[
    [Path, Sequence[tuple[str, str]], Similarity | None, Embedder | None],
    dict[str, Any],
]
"""``bench_kb.bench_search``: latency of ours and of bare FTS5 on a KB."""


def file_bytes(db_path: Path) -> int:
    """The database's size once its write-ahead log is checkpointed."""
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path.stat().st_size


def bench_vectors(
    db_path: Path,
    ingest: dict[str, Any],
    queries: Sequence[tuple[str, str]],
    bench_search: SearchBench,
) -> dict[str, Any]:
    """Embed every chunk with the app's model, then search as the app does
    (similarity of meaning, with and without the vectors), each against the
    bare FTS5 queries in the same run."""
    from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity

    embedder = WordLlamaEmbedder()
    before = file_bytes(db_path)
    with KnowledgeStore.open(db_path, embedder=embedder) as store:
        log("embedding every chunk ...")
        started = time.perf_counter()
        embedded = store.embed_missing()
        seconds = time.perf_counter() - started
    after = file_bytes(db_path)
    with closing(Database(db_path)) as db:
        started = time.perf_counter()
        index = VectorIndex.load(db, embedder.model)
        load_s = time.perf_counter() - started
    memory = index.matrix.nbytes + index.rowids.nbytes
    memory += index.signs.nbytes if index.signs is not None else 0
    recall = shortlist_recall(index, embedder, [text for _, text in queries])
    log("searching as the app does, without vectors ...")
    plain = bench_search(db_path, queries, similarity=meaning_similarity)
    log("searching as the app does, with vectors ...")
    hybrid = bench_search(db_path, queries, meaning_similarity, embedder)
    per = 100_000 / max(embedded, 1)
    return {
        "model": embedder.model,
        "chunks_embedded": embedded,
        "embed_seconds": round(seconds, 1),
        "embed_chunks_per_s": round(embedded / seconds),
        "ingest_with_vectors_chunks_per_s": round(
            embedded / (seconds + ingest["seconds"])
        ),
        "disk_mb_per_100k": round((after - before) * per / 2**20, 1),
        "memory_mb_per_100k": round(memory * per / 2**20, 1),
        "index_load_s": round(load_s, 2),
        "shortlist": index.signs is not None,
        "shortlist_recall_at_10": recall,
        "search_no_vectors": _summary(plain),
        "search_vectors": _summary(hybrid),
    }


def shortlist_recall(
    index: VectorIndex, embedder: Embedder, queries: Sequence[str]
) -> float:
    """Share of the exact 10 nearest that the sign shortlist finds too."""
    exact = VectorIndex(index.model, index.rowids, index.matrix, exact_limit=2**62)
    found = total = 0
    for query in queries:
        vector = embedder.embed_query(query)
        truth = {rowid for rowid, _ in exact.nearest(vector, 10)}
        found += len(truth & {rowid for rowid, _ in index.nearest(vector, 10)})
        total += len(truth)
    return round(found / max(total, 1), 3)


def _summary(search: dict[str, Any]) -> dict[str, Any]:
    keys = ("queries", "ours_ms", "bare_ms", "ratio_p50", "ratio_p95", "slowest")
    return {key: search[key] for key in keys}


def render_vectors(v: dict[str, Any] | None) -> list[str]:
    if v is None:
        return []
    lines = [
        f"4. Vectors ({v['model']}): {v['chunks_embedded']:,} chunks embedded in "
        f"{v['embed_seconds']} s ({v['embed_chunks_per_s']:,} chunks/s); ingest "
        f"with vectors {v['ingest_with_vectors_chunks_per_s']:,} chunks/s",
        f"   per 100,000 chunks: disk {v['disk_mb_per_100k']} MB, memory "
        f"{v['memory_mb_per_100k']} MB (read in {v['index_load_s']} s); sign "
        f"shortlist {'on' if v['shortlist'] else 'off'}, recall@10 of the exact "
        f"nearest {v['shortlist_recall_at_10']}",
        "   as the app searches      p50 ms   p95 ms   ratio to bare p50 / p95",
    ]
    for name, key in (
        ("no vectors", "search_no_vectors"),
        ("vectors", "search_vectors"),
    ):
        s = v[key]
        lines.append(
            f"   {name:<22}{s['ours_ms']['p50']:9.3f}{s['ours_ms']['p95']:9.3f}"
            f"   {s['ratio_p50']:6.2f}x / {s['ratio_p95']:.2f}x "
            f"(bare p50 {s['bare_ms']['p50']:.3f}, p95 {s['bare_ms']['p95']:.3f})"
        )
    return [*lines, ""]
