"""Knowledge-cache benchmark: ingest throughput, search latency, exact code lookup.

Run ``python -m tests.benchmarks.bench_kb [--chunks N] [--queries N] [--json]``
from the repository root.

1. Ingest: a seeded synthetic corpus (Markdown service manuals and CSV code
   tables, exactly ``--chunks`` chunks) goes through ``KnowledgeStore.ingest``.
   Baseline: the same chunk texts in one bare ``executemany`` into a plain FTS5
   table with the same tokenizer; the ratio compares time per chunk.
2. Search: ``--queries`` queries drawn from the corpus (words, fault codes and
   part numbers in every spelling, mixes, questions). Each is timed through
   ``store.search(q, limit=10)`` and as the bare FTS5 query that it runs (the
   same MATCH expression, on a second connection to the same file), the two
   interleaved, after a warm-up pass over all queries.
3. Exact codes: every code of the demo data's CSV tables, in every spelling,
   must be first from ``store.search`` (as its table row) and ``lookup_code``.

Targets: ingest >= 2,000 chunks/s; search p95 <= 10 ms and ours/bare <= 1.5x
at p50 and p95; exact-lookup rate 1.0.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from knowledge_cache.query_plan import PlanStep
from knowledge_cache.readers.table import CODE_COLUMNS, column_key
from knowledge_cache.search import (
    Similarity,
    known_code_keys,
    query_expressions,
    step_query,
)
from knowledge_cache.vectors import Embedder
from tests.benchmarks.kb_corpus import (
    QUERY_KINDS,
    SPELLINGS,
    Corpus,
    make_queries,
    write_corpus,
)
from tests.benchmarks.kb_vectors import bench_vectors, render_vectors
from tests.benchmarks.reporting import (
    emit,
    log,
    machine_facts,
    verdict,
    working_dir,
)

TARGET_CHUNKS_PER_S = 2_000
TARGET_P95_MS = 10.0
TARGET_RATIO = 1.5
SEARCH_LIMIT = 10
BARE_SQL = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?"
READ_PRAGMAS = ("PRAGMA cache_size = -32000", "PRAGMA mmap_size = 268435456")
"""The store's read-side pragmas, so the bare connection reads with the same cache."""


def open_bare(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for pragma in READ_PRAGMAS:
        conn.execute(pragma)
    return conn


def elapsed_ns(call: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def bare_ingest_ns(db_path: Path, bare_path: Path) -> int:
    """Time one executemany of the store's chunk texts into a plain FTS5 table."""
    with closing(open_bare(db_path)) as source:
        (schema,) = source.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'"
        ).fetchone()
        rows = source.execute(
            "SELECT title, section, body, codes FROM chunks ORDER BY id"
        ).fetchall()
    tokenizer = re.search(r"tokenize\s*=\s*('[^']*')", schema)
    with closing(sqlite3.connect(bare_path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(
            "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, section, body, codes"
            + (f", tokenize={tokenizer.group(1)})" if tokenizer else ")")
        )
        sql = "INSERT INTO chunks_fts(title, section, body, codes) VALUES (?,?,?,?)"
        with conn:
            return elapsed_ns(lambda: conn.executemany(sql, rows))


def bench_ingest(corpus: Corpus, db_path: Path, bare_path: Path) -> dict[str, Any]:
    with KnowledgeStore.open(db_path) as store:
        start = time.perf_counter_ns()
        report = store.ingest([corpus.folder])
        ours_ns = time.perf_counter_ns() - start
    bare_ns = bare_ingest_ns(db_path, bare_path)
    chunks = report.chunks_written
    return {
        "chunks": chunks,
        "expected_chunks": corpus.chunks,
        "files": corpus.files,
        "failed_files": [outcome.message for outcome in report.failed],
        "corpus_mb": round(corpus.size_bytes / 2**20, 1),
        "seconds": round(ours_ns / 1e9, 3),
        "chunks_per_s": round(chunks / (ours_ns / 1e9)),
        "bare_seconds": round(bare_ns / 1e9, 3),
        "bare_chunks_per_s": round(chunks / (bare_ns / 1e9)),
        "time_per_chunk_ours_over_bare": round(ours_ns / bare_ns, 2),
        "target_chunks_per_s": TARGET_CHUNKS_PER_S,
    }


def mirrored_expressions(db: Database, query: str) -> list[PlanStep]:
    """The MATCH expressions that ``search_chunks`` runs in turn for ``query``."""
    return query_expressions(db, query, known_code_keys(db, query))


def run_bare_plan(bare: sqlite3.Connection, steps: Sequence[PlanStep]) -> object:
    """The bare FTS5 queries of a plan, in turn until the limit is reached.

    A step bounded to the newest matches runs with that bound, ranked by the
    table's configured ``rank``; the others as ``BARE_SQL``.
    """
    found: list[Any] = []
    for step in steps:
        if step.window is None:
            found.extend(bare.execute(BARE_SQL, [step.expression, SEARCH_LIMIT]))
        else:
            sql, params = step_query(step, SEARCH_LIMIT)
            found.extend(bare.execute(sql, params))
        if len(found) >= SEARCH_LIMIT:
            break
    return found


def timed_pass(
    store: KnowledgeStore, bare: sqlite3.Connection, queries: Sequence[str]
) -> tuple[list[int], list[int]]:
    """Nanoseconds per query, ours and bare, alternating which runs first."""
    expressions = [mirrored_expressions(Database(bare), query) for query in queries]
    ours: list[int] = []
    base: list[int] = []
    for i, (query, expression) in enumerate(zip(queries, expressions, strict=True)):

        def run_ours(query: str = query) -> object:
            return store.search(query, limit=SEARCH_LIMIT)

        def run_bare(expression: list[PlanStep] = expression) -> object:
            return run_bare_plan(bare, expression)

        if i % 2 == 0:
            ours.append(elapsed_ns(run_ours))
            base.append(elapsed_ns(run_bare))
        else:
            base.append(elapsed_ns(run_bare))
            ours.append(elapsed_ns(run_ours))
    return ours, base


def latency(ours: Sequence[int], base: Sequence[int]) -> dict[str, Any]:
    def percentiles(samples: Sequence[int]) -> dict[str, float]:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        return {f"p{p}": round(cuts[p - 1] / 1e6, 3) for p in (50, 95, 99)}

    mine, bare = percentiles(ours), percentiles(base)
    return {
        "queries": len(ours),
        "ours_ms": mine,
        "bare_ms": bare,
        "ratio_p50": round(mine["p50"] / bare["p50"], 2),
        "ratio_p95": round(mine["p95"] / bare["p95"], 2),
    }


def bench_search(
    db_path: Path,
    queries: Sequence[tuple[str, str]],
    similarity: Similarity | None = None,
    embedder: Embedder | None = None,
) -> dict[str, Any]:
    texts = [text for _, text in queries]
    with (
        KnowledgeStore.open(db_path, similarity=similarity, embedder=embedder) as store,
        closing(open_bare(db_path)) as bare,
    ):
        timed_pass(store, bare, texts)  # warm-up
        ours, base = timed_pass(store, bare, texts)
        most, mean = bare.execute(
            "SELECT max(n), avg(n) FROM (SELECT count(*) AS n FROM codes GROUP BY key)"
        ).fetchone()
    figures = latency(ours, base)
    figures["by_kind"] = {
        kind: latency(
            [o for (k, _), o in zip(queries, ours, strict=True) if k == kind],
            [b for (k, _), b in zip(queries, base, strict=True) if k == kind],
        )
        for kind in QUERY_KINDS
        if sum(k == kind for k, _ in queries) >= 2
    }
    slowest = sorted(zip(ours, texts, strict=True), reverse=True)[:5]
    figures["slowest"] = [{"query": q, "ms": round(ns / 1e6, 2)} for ns, q in slowest]
    figures["table_rows_per_code_key"] = {"max": most, "mean": round(mean or 0, 2)}
    figures["targets"] = {"p95_ms": TARGET_P95_MS, "ratio": TARGET_RATIO}
    return figures


def table_codes(folder: Path) -> Iterator[tuple[str, str]]:
    """``(document_id, code)`` for each row of each CSV code table."""
    for path in sorted(folder.rglob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        keys = [column_key(name) for name in rows[0]]
        column = next(keys.index(name) for name in CODE_COLUMNS if name in keys)
        document_id = path.relative_to(folder).as_posix()
        for row in rows[1:]:
            if len(row) > column and row[column].strip():
                yield document_id, row[column].strip()


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """One spelling of one code: why it failed (if it did), and other codes found."""

    failure: str | None
    other_codes: frozenset[str]


def check_code(
    store: KnowledgeStore, document_id: str, code: str, spelling: str
) -> CodeCheck:
    """Does ``spelling`` find ``code``'s table row first, by search and lookup?"""
    hits = store.search(spelling, limit=5)
    entries = store.lookup_code(spelling)
    hit = hits[0] if hits else None
    entry = entries[0] if entries else None
    others = frozenset(e.code for e in entries if e.code != code)
    if (
        hit is not None
        and hit.match == "code"
        and (hit.chunk.document_id, hit.chunk.section) == (document_id, code)
        and entry is not None
        and (entry.document_id, entry.code) == (document_id, code)
    ):
        return CodeCheck(None, others)
    found = f"{hit.chunk.chunk_id} ({hit.match})" if hit else "nothing"
    looked_up = f"{entry.document_id}: {entry.code}" if entry else "nothing"
    failure = (
        f"{document_id}: {code} spelled {spelling!r}: search first {found}, "
        f"lookup_code first {looked_up}"
    )
    return CodeCheck(failure, others)


def bench_exact(demo: Path, db_path: Path) -> dict[str, Any]:
    codes = list(table_codes(demo))
    failures: list[str] = []
    passed = dict.fromkeys(SPELLINGS, 0)
    also_found: dict[str, set[str]] = {}
    with KnowledgeStore.open(db_path) as store:
        store.ingest([demo])
        for document_id, code in codes:
            for name, spell in SPELLINGS.items():
                check = check_code(store, document_id, code, spell(code))
                passed[name] += check.failure is None
                failures += [check.failure] if check.failure else []
                if check.other_codes:
                    also_found.setdefault(code, set()).update(check.other_codes)
    checks = len(codes) * len(SPELLINGS)
    return {
        "tables": len({document_id for document_id, _ in codes}),
        "codes": len(codes),
        "checks": checks,
        "passed": checks - len(failures),
        "rate": round((checks - len(failures)) / checks, 4) if checks else 0.0,
        "rate_by_spelling": {k: round(v / len(codes), 4) for k, v in passed.items()},
        "failures": failures,
        "lookup_also_returned": {k: sorted(v) for k, v in sorted(also_found.items())},
    }


# --- report --------------------------------------------------------------------


def render_ingest(ing: dict[str, Any]) -> list[str]:
    rate, bare = ing["chunks_per_s"], ing["bare_chunks_per_s"]
    return [
        f"1. Ingest: {ing['chunks']:,} chunks (expected {ing['expected_chunks']:,}) "
        f"from {ing['files']:,} files, {ing['corpus_mb']} MB, "
        f"{len(ing['failed_files'])} failed",
        f"   store.ingest        {ing['seconds']:8.2f} s {rate:>9,} chunks/s   "
        f"target >= {TARGET_CHUNKS_PER_S:,}: {verdict(rate >= TARGET_CHUNKS_PER_S)}",
        f"   bare FTS5 insert    {ing['bare_seconds']:8.2f} s {bare:>9,} chunks/s",
        "   time per chunk, store.ingest / bare FTS5 executemany: "
        f"{ing['time_per_chunk_ours_over_bare']:.2f}x",
        *(f"   FAILED {message}" for message in ing["failed_files"]),
    ]


def render_search(s: dict[str, Any]) -> list[str]:
    ours, bare, rows = s["ours_ms"], s["bare_ms"], s["table_rows_per_code_key"]
    ratio_ok = max(s["ratio_p50"], s["ratio_p95"]) <= TARGET_RATIO
    lines = [
        f"2. Search: {s['queries']} queries, limit {SEARCH_LIMIT}"
        "          p50 ms   p95 ms   p99 ms",
        f"   store.search (ours)      {ours['p50']:11.3f}{ours['p95']:9.3f}"
        f"{ours['p99']:9.3f}",
        f"   bare FTS5 MATCH          {bare['p50']:11.3f}{bare['p95']:9.3f}"
        f"{bare['p99']:9.3f}",
        f"   ratio ours / bare        {s['ratio_p50']:10.2f}x{s['ratio_p95']:8.2f}x",
        f"   p95 <= {TARGET_P95_MS:g} ms: {verdict(ours['p95'] <= TARGET_P95_MS)}; "
        f"ratio <= {TARGET_RATIO}x: {verdict(ratio_ok)}",
        "   by kind    n   ours p50 / p95     bare p50 / p95    ratio p50 / p95",
    ]
    for kind, k in s["by_kind"].items():
        o, b = k["ours_ms"], k["bare_ms"]
        lines.append(
            f"   {kind:<8}{k['queries']:>4} {o['p50']:9.3f} /{o['p95']:8.3f} "
            f"{b['p50']:9.3f} /{b['p95']:8.3f} {k['ratio_p50']:8.2f} /"
            f"{k['ratio_p95']:6.2f}"
        )
    lines.append(
        f"   code-table rows per code key: max {rows['max']}, mean {rows['mean']}"
    )
    lines += [f"   slow: {q['ms']:8.2f} ms  {q['query']!r}" for q in s["slowest"]]
    return lines


def render_exact(ex: dict[str, Any]) -> list[str]:
    by_spelling = ", ".join(f"{k} {v:.3f}" for k, v in ex["rate_by_spelling"].items())
    return [
        f"3. Exact code lookup, demo data: {ex['codes']} codes in {ex['tables']} "
        f"tables x {len(SPELLINGS)} spellings",
        f"   rate {ex['rate']:.4f} ({ex['passed']}/{ex['checks']}): "
        f"{verdict(ex['rate'] == 1.0)}",
        f"   by spelling: {by_spelling}",
        *(f"   FAIL {failure}" for failure in ex["failures"]),
        *(
            f"   note: lookup_code({code!r}) also returns {', '.join(others)}"
            for code, others in ex["lookup_also_returned"].items()
        ),
    ]


def render(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    return "\n".join(
        [
            f"machine: {m['usable_cores']} of {m['cores']} cores, Python "
            f"{m['python']}, SQLite {m['sqlite']}, {m['platform']}",
            "",
            *render_ingest(figures["ingest"]),
            "",
            *render_search(figures["search"]),
            "",
            *render_vectors(figures.get("vectors")),
            *render_exact(figures["exact"]),
        ]
    )


# --- command line --------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument(
        "--workdir", type=Path, help="keep corpus and databases here (default: temp)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON on stdout, table on stderr"
    )
    parser.add_argument(
        "--vectors",
        action="store_true",
        help="also embed every chunk with the app's model and search with vectors",
    )
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.queries < 2:
        parser.error("--chunks must be at least 1 and --queries at least 2")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    log(f"writing a corpus of {args.chunks:,} chunks ...")
    corpus = write_corpus(work / "corpus", args.chunks, rng)
    log("ingesting ...")
    ingest = bench_ingest(corpus, work / "knowledge.db", work / "bare.db")
    log(f"searching: {args.queries} queries, a warm-up pass, then a timed one ...")
    queries = make_queries(corpus, args.queries, rng)
    search = bench_search(work / "knowledge.db", queries)
    figures: dict[str, Any] = {"ingest": ingest, "search": search}
    if args.vectors:
        figures["vectors"] = bench_vectors(
            work / "knowledge.db", ingest, queries, bench_search
        )
    log("checking exact code lookups on the demo data ...")
    figures["exact"] = bench_exact(demo_data_dir(), work / "demo.db")
    return {"machine": machine_facts(), **figures}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with working_dir(args.workdir, "bench-kb-") as work:
        figures = run(args, work)
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
