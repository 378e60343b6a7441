"""Search by meaning: chunk vectors stored at ingest, fused with BM25."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knowledge_cache import KnowledgeStore, Snapshot, SnapshotFile
from knowledge_cache.fusion import fuse
from knowledge_cache.vectors import VectorIndex

CONCEPTS = {
    # A tiny embedder's vocabulary: words of one meaning share an axis.
    "machine": 0,
    "engine": 0,
    "gasping": 1,
    "misfire": 1,
    "misfires": 1,
    "yellow": 2,
    "lamp": 2,
}
"""Each word's axis; other words add nothing."""


class ConceptEmbedder:
    """Vectors from :data:`CONCEPTS`: a stand-in for a model, with meanings
    that share no word."""

    model = "concepts-3"

    def __init__(self) -> None:
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.passages += len(texts)
        return np.stack([self.embed_query(text) for text in texts])

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vector = np.zeros(3, dtype=np.float32)
        for word in text.lower().replace(",", " ").replace(".", " ").split():
            if word in CONCEPTS:
                vector[CONCEPTS[word]] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


class BrokenEmbedder(ConceptEmbedder):
    """A model whose files are missing: it returns no vectors."""

    model = "broken"

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.zeros((0, 0), dtype=np.float32)


MANUAL = """# Diesel engine

## Misfire

A misfire at idle means a blocked injector: clean it.

## Warning lamp

The yellow lamp on the panel warns of low coolant.

## Belts

Check belt tension every 500 hours.
"""
FAULTS = "code,description\nE-42,Engine overheats\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A manual whose misfire section shares no word with the question."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "engine.md").write_text(MANUAL, encoding="utf-8")
    (kb / "faults.csv").write_text(FAULTS, encoding="utf-8")
    return kb


def open_store(embedder: ConceptEmbedder | None = None) -> KnowledgeStore:
    return KnowledgeStore.open(sqlite3.connect(":memory:"), embedder=embedder)


QUESTION = "the yellow machine is gasping"


def test_a_chunk_sharing_no_word_with_the_question_is_found_by_meaning(folder):
    with open_store(ConceptEmbedder()) as store:
        store.ingest([folder])
        hits = store.search(QUESTION, limit=5)
    found = {hit.chunk.section: hit.match for hit in hits}
    assert found["Misfire"] == "meaning"
    assert found["Warning lamp"] == "text"


def test_a_question_a_keyword_match_holds_whole_is_ranked_by_words(folder):
    with open_store(ConceptEmbedder()) as store:
        store.ingest([folder])
        with_vectors = store.search("yellow lamp warns", limit=5)
    with open_store() as store:
        store.ingest([folder])
        without = store.search("yellow lamp warns", limit=5)
    assert [h.chunk_id for h in with_vectors] == [h.chunk_id for h in without]
    assert {hit.match for hit in with_vectors} == {"text"}


def test_without_an_embedder_the_same_question_finds_words_only(folder):
    with open_store() as store:
        store.ingest([folder])
        hits = store.search(QUESTION, limit=5)
        counts = store.vector_counts()
    assert "Misfire" not in {hit.chunk.section for hit in hits}
    assert {hit.match for hit in hits} == {"text"}
    assert (counts.with_vectors, counts.without_vectors) == (0, 4)


def test_exact_code_rows_stay_first_with_vectors(folder):
    with open_store(ConceptEmbedder()) as store:
        store.ingest([folder])
        hits = store.search(f"E-42 {QUESTION}", limit=5)
    assert hits[0].match == "code"
    assert hits[0].chunk.document_id == "faults.csv"


def test_fusion_keeps_the_best_keyword_match_first() -> None:
    keyword = [(1, 9.0), (2, 5.0)]
    dense = [(3, 0.9), (2, 0.8), (1, 0.1)]
    fused = fuse(keyword, dense)
    assert [rowid for rowid, _ in fused] == [1, 2, 3]
    assert fuse([], dense)[0][0] == 3


def test_ingest_stores_a_vector_per_chunk_once(folder):
    embedder = ConceptEmbedder()
    with open_store(embedder) as store:
        store.ingest([folder])
        store.ingest([folder])  # unchanged: nothing to embed
        stats = store.stats()
    assert embedder.passages == stats.chunks == 4
    assert (stats.vector_model, stats.chunks_with_vectors) == ("concepts-3", 4)


def test_chunks_ingested_without_an_embedder_are_reported_then_embedded(
    tmp_path: Path, folder: Path
):
    path = tmp_path / "k.db"
    with KnowledgeStore.open(path) as store:
        store.ingest([folder])
    with KnowledgeStore.open(path, embedder=ConceptEmbedder()) as store:
        before = store.vector_counts()
        assert "Misfire" not in {h.chunk.section for h in store.search(QUESTION)}
        assert store.embed_missing() == 4
        after = store.vector_counts()
        found = {h.chunk.section for h in store.search(QUESTION)}
    assert (before.with_vectors, before.without_vectors) == (0, 4)
    assert (after.with_vectors, after.without_vectors) == (4, 0)
    assert "Misfire" in found


def test_vectors_of_another_model_count_as_missing(tmp_path: Path, folder: Path):
    path = tmp_path / "k.db"
    with KnowledgeStore.open(path, embedder=ConceptEmbedder()) as store:
        store.ingest([folder])

    class Other(ConceptEmbedder):
        model = "other-3"

    with KnowledgeStore.open(path, embedder=Other()) as store:
        counts = store.vector_counts()
    assert (counts.model, counts.with_vectors, counts.without_vectors) == (
        "other-3",
        0,
        4,
    )
    assert counts.other_models == ("concepts-3",)


def test_a_snapshot_applied_with_an_embedder_embeds_its_chunks() -> None:
    snapshot = Snapshot(
        version=5, files=(SnapshotFile("engine.md", MANUAL.encode("utf-8")),)
    )
    with open_store(ConceptEmbedder()) as store:
        store.apply_snapshot(snapshot)
        counts = store.vector_counts()
    assert (counts.with_vectors, counts.without_vectors) == (3, 0)


def test_a_snapshot_applied_without_an_embedder_leaves_its_chunks_reported():
    snapshot = Snapshot(
        version=5, files=(SnapshotFile("engine.md", MANUAL.encode("utf-8")),)
    )
    with open_store() as store:
        store.apply_snapshot(snapshot)
        counts = store.vector_counts()
        assert store.search(QUESTION)
    assert (counts.with_vectors, counts.without_vectors) == (0, 3)


def test_a_replaced_document_takes_its_vectors_along(folder: Path):
    with open_store(ConceptEmbedder()) as store:
        store.ingest([folder])
        (folder / "engine.md").write_text("# Diesel engine\n\nNew.\n", "utf-8")
        store.ingest([folder])
        counts = store.vector_counts()
    assert (counts.with_vectors, counts.without_vectors) == (2, 0)


def test_a_model_that_cannot_run_stores_nothing_and_search_goes_on(folder):
    with open_store(BrokenEmbedder()) as store:
        report = store.ingest([folder])
        hits = store.search(QUESTION)
        counts = store.vector_counts()
    assert not report.failed
    assert hits and {hit.match for hit in hits} == {"text"}
    assert counts.with_vectors == 0


def test_a_large_index_shortlists_by_sign_and_finds_the_nearest() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((5_000, 64)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rowids = np.arange(1, 5_001, dtype=np.int64)
    exact = VectorIndex("m", rowids, matrix)
    shortlisted = VectorIndex("m", rowids, matrix, exact_limit=1_000)
    assert exact.signs is None and shortlisted.signs is not None
    query = matrix[1234] + 0.1 * rng.standard_normal(64).astype(np.float32)
    query /= np.linalg.norm(query)
    found = shortlisted.nearest(query, 10)
    assert found[0][0] == 1235
    expected = {rowid for rowid, _ in exact.nearest(query, 10)}
    assert len(expected & {rowid for rowid, _ in found}) >= 8
