"""The wording benchmark runs, its question set fits the demo KB, and reading
questions as technicians write them does better than the literal search."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore, NotFound
from tests.benchmarks.bench_wording import KINDS, load_questions, main


def test_benchmark_runs_and_beats_the_literal_search(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = main(["--rounds", "1"])
    ours = figures["retrieval"]["ours"]
    baseline = figures["retrieval"]["baseline"]
    assert ours["questions"]["all"] >= 150
    for group in ("all", "paraphrase", "slip"):
        assert ours["hit_at_5"][group] > baseline["hit_at_5"][group], group
    answers = figures["answers"]
    assert answers["absent_answered_as_absent"] == answers["absent_codes"] > 0
    assert answers["expected_codes_quoted"] == answers["expected_codes"]
    assert answers["faults"] == {}
    assert "verdicts:" in capsys.readouterr().out


def test_question_set_is_well_formed_and_points_at_demo_chunks(
    tmp_path: Path,
) -> None:
    questions = load_questions()
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) == set(KINDS)
    assert len(questions) >= 150 and kinds["paraphrase"] >= 50
    check = [q for q in questions if q.split == "check"]
    assert {q.kind for q in check} == {"paraphrase"}
    assert 0.25 <= len(check) / kinds["paraphrase"] <= 0.35
    assert len({q.id for q in questions}) == len(questions)
    with KnowledgeStore.open(tmp_path / "demo.db") as store:
        store.ingest([demo_data_dir()])
        for q in questions:
            for chunk_id in q.expected_chunks:
                try:
                    store.chunk(chunk_id)
                except NotFound:
                    pytest.fail(f"{q.id}: no chunk {chunk_id}")
            for code in q.absent_codes:
                (reading,) = store.read_codes(code)
                assert not reading.known, q.id
