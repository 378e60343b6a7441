"""The answer benchmark still runs, and its question set still fits the demo KB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore, NotFound
from tests.benchmarks.bench_answers import KINDS, QUESTIONS_FILE, main

FIELDS = {"id", "question", "kind", "expected_chunks", "expected_codes"}


def test_benchmark_runs_on_three_questions_without_a_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = main(["--questions", "3", "--no-model", "--cli-runs", "1"])

    assert set(figures) == {
        "machine",
        "questions",
        "code_lookup",
        "generation",
        "retrieval",
        "answers",
    }
    assert figures["questions"] == 3
    assert figures["generation"] is None
    code = figures["code_lookup"]
    assert code["questions"] == code["answered_by_lookup"] == 1
    assert code["model_calls"] == 0
    assert 0 < code["p50_ms"] <= code["p95_ms"] <= code["max_ms"]
    cli = code["cli"]
    assert (cli["exit_code"], cli["route"], cli["model"]) == (0, "code_lookup", None)
    assert cli["min_ms"] > 0
    retrieval = figures["retrieval"]
    assert retrieval["questions"] == 3
    assert 0.0 <= retrieval["hit_at_1"] <= retrieval["hit_at_5"] <= 1.0
    assert set(retrieval["by_kind"]) == {"code", "procedure", "spec"}
    answers = figures["answers"]
    assert sum(answers["routes"].values()) == 3
    assert answers["model_answers"] == 0
    assert answers["unretrieved_citations"] == 0
    assert "3. Retrieval" in capsys.readouterr().out


def test_question_set_is_well_formed_and_points_at_demo_chunks(
    tmp_path: Path,
) -> None:
    entries = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    expected = {chunk_id for entry in entries for chunk_id in entry["expected_chunks"]}

    with KnowledgeStore.open(tmp_path / "demo.db") as store:
        store.ingest([demo_data_dir()])
        missing = sorted(
            chunk_id for chunk_id in expected if not exists(store, chunk_id)
        )

    assert missing == []
    assert len(entries) >= 60
    assert all(set(entry) == FIELDS for entry in entries)
    assert len({entry["id"] for entry in entries}) == len(entries)
    assert {entry["kind"] for entry in entries} == set(KINDS)
    for entry in entries:
        assert bool(entry["expected_chunks"]) == (entry["kind"] != "absent"), entry
        assert entry["question"].strip(), entry


def exists(store: KnowledgeStore, chunk_id: str) -> bool:
    try:
        store.chunk(chunk_id)
    except NotFound:
        return False
    return True
