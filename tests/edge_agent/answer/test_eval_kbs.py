"""The evaluation knowledge bases and their frozen questions fit together, and
the customer KB benchmark runs and reports every question.

Nothing here asserts how well the product does on them: those figures are
reported as measured (``python -m tests.benchmarks.bench_customer_kb``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from knowledge_cache import KnowledgeStore, NotFound, code_key
from tests.benchmarks.bench_customer_kb import (
    EVAL_KBS,
    SEALED,
    ingest_kb,
    kb_names,
    main,
    questions_file,
    table_descriptions,
)
from tests.benchmarks.bench_wording import KINDS, load_questions

MIN_ROWS = 60
MIN_QUESTIONS = 60
MIN_PARAPHRASES = 20
MIN_ABSENT = 8
FIELDS = {
    "id",
    "kind",
    "split",
    "question",
    "expected_chunks",
    "expected_codes",
    "absent_codes",
}


def test_there_are_at_least_two_evaluation_kbs() -> None:
    assert len(kb_names()) >= 2


@pytest.mark.parametrize("name", kb_names())
def test_kb_folder_is_a_plain_customer_table(name: str) -> None:
    folder = EVAL_KBS / name
    assert not (folder / "kb.toml").exists()
    assert not (folder / "glossary.toml").exists()
    assert (folder / "SOURCES.md").is_file()
    tables = sorted(folder.glob("*.csv"))
    assert tables
    for table in tables:
        header = table.read_text("utf-8").splitlines()[0].split(",")
        assert header[:2] == ["code", "description"], table.name
    assert len(table_descriptions(name)) >= MIN_ROWS


@pytest.mark.parametrize("name", kb_names())
def test_question_file_is_well_formed(name: str) -> None:
    raw = json.loads(questions_file(name).read_text("utf-8"))
    assert raw["about"]
    assert all(set(q) == FIELDS for q in raw["questions"])
    questions = load_questions(questions_file(name))
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) == set(KINDS)
    assert len(questions) >= MIN_QUESTIONS
    assert kinds["paraphrase"] >= MIN_PARAPHRASES
    assert kinds["absent_code"] >= MIN_ABSENT
    assert {q.split for q in questions} == {"check"}
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        if q.kind == "absent_code":
            assert q.absent_codes and not q.expected_chunks, q.id
            assert not q.expected_codes, q.id
        else:
            assert q.expected_chunks and q.expected_codes, q.id
            assert not q.absent_codes, q.id
        if q.kind == "several_codes":
            assert len(q.expected_codes) >= 2, q.id


@pytest.mark.parametrize("name", kb_names())
def test_wording_questions_do_not_name_their_codes(name: str) -> None:
    for q in load_questions(questions_file(name)):
        if q.kind in ("description_to_code", "paraphrase"):
            text = code_key(q.text)
            assert not any(code_key(c) in text for c in q.expected_codes), q.id


@pytest.mark.parametrize("name", kb_names())
def test_questions_point_at_their_kb(name: str, tmp_path: Path) -> None:
    codes = set(table_descriptions(name))
    keys = {code_key(code) for code in codes}
    with KnowledgeStore.open(tmp_path / "kb.db") as store:
        ingest_kb(store, name)
        for q in load_questions(questions_file(name)):
            for chunk_id in q.expected_chunks:
                try:
                    store.chunk(chunk_id)
                except NotFound:
                    pytest.fail(f"{q.id}: no chunk {chunk_id}")
            assert set(q.expected_codes) <= codes, q.id
            assert not {code_key(c) for c in q.absent_codes} & keys, q.id


def test_benchmark_runs_and_reports_every_question(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = main(["--rounds", "1"])
    assert set(figures["kbs"]) == set(kb_names())
    for name, kb in figures["kbs"].items():
        questions = load_questions(questions_file(name))
        scored = Counter(q.kind for q in questions if q.expected_chunks)
        for run in ("literal", "ours"):
            found = kb["retrieval"][run]
            assert found["questions"] == {**scored, "all": sum(scored.values())}
            for k in ("hit_at_1", "hit_at_5"):
                assert set(found[k]) == set(found["questions"])
                assert all(0 <= rate <= 1 for rate in found[k].values())
        answers = kb["answers"]
        assert answers["answers"] == len(questions)
        assert answers["absent_codes"] == sum(len(q.absent_codes) for q in questions)
        assert 0 <= answers["absent_answered_as_absent"] <= answers["absent_codes"]
        assert answers["slips"] == sum(q.kind == "slip" for q in questions)
        assert 0 <= answers["slips_read"] <= answers["slips"]
        assert answers["misattributed_lines"] == len(answers["misattributed"])
        missed = answers["absent_codes"] - answers["absent_answered_as_absent"]
        assert len(answers["absent_missed"]) == missed
    for run in figures["demo"].values():
        assert all(0 <= rate <= 1 for rate in run["hit_at_5"].values())
    out = capsys.readouterr().out
    assert all(name in out for name in kb_names())
    for name in SEALED:
        kb = figures["kbs"][name]
        hidden = kb["retrieval"]["ours"]["misses"] + kb["answers"]["absent_missed"]
        assert not any(m["question"] in out for m in hidden), name
