"""Each kind of case through the field's own turns, on the demo KB, the
shipped policy and a real OCR engine; no model (the model has its own test)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from edge_agent.evaluation import FieldTurns, PreparedCandidate, Suite, run_suite
from edge_agent.evaluation.cases import PolicyCase, QuestionCase
from edge_agent.evaluation.photo_cases import run_photo_case
from edge_agent.evaluation.policy_cases import run_policy_case
from edge_agent.evaluation.question_cases import run_question_case
from edge_agent.ocr import PhotoReader
from edge_agent.session import Session
from policies import Outcome
from tests.edge_agent.evaluation.suite_files import demo_cases


def test_the_demo_question_cases_pass_where_the_kb_answers(
    candidate: PreparedCandidate, demo_suite: Suite
) -> None:
    cases = demo_cases(
        demo_suite,
        "q-code-01",
        "q-proc-03",
        "q-part-01",
        "q-abs-01",
        "q-job-casing-bolts",
    )
    with Session(candidate.settings) as session:
        results = [run_question_case(c, session, None, FieldTurns()) for c in cases]

    assert [r.problems for r in results] == [()] * len(cases)
    code, procedure, part, absent, steered = results
    assert code.got["route"] == "code_lookup"
    assert code.got["ranked"][0] == "fault-codes.csv#14"
    assert code.scores["hit_at_1"] is True
    assert procedure.got["ranked"][0] == "manuals/hp300-pump-service-manual.md#13"
    assert part.scores["facts_found"] == 2
    assert absent.got["abstained"] is True and absent.scores["hit_at_5"] is None
    assert "170 Nm" in steered.got["answer"]


def test_a_question_case_fails_with_each_unmet_expectation_named(
    candidate: PreparedCandidate,
) -> None:
    case = QuestionCase(
        id="q-wrong",
        question="how do I prime the pump before starting it",
        expected_chunks=("manuals/ac75-compressor-service-manual.md#15",),
        expected_facts=("4471-H11-140", "turn it upside down"),
        must_abstain=True,
        must_not_say=("suction isolation valve",),
    )
    with Session(candidate.settings) as session:
        result = run_question_case(case, session, None, FieldTurns())

    assert not result.passed
    assert result.problems[0].startswith("no expected chunk or code in the top 5")
    assert "does not show 'turn it upside down'" in result.problems
    assert "abstained, but the knowledge base answers it" not in result.problems
    assert "answered, but should have said nothing answers it" in result.problems
    assert "shows 'suction isolation valve', which it must not say" in result.problems
    assert result.scores["facts_found"] == 1
    assert result.scores["hit_at_1"] is False


def test_the_demo_policy_cases_get_the_engine_s_decisions(
    candidate: PreparedCandidate, demo_suite: Suite
) -> None:
    with Session(candidate.settings) as session:
        results = [
            run_policy_case(case, session.policy, "technician")
            for case in demo_suite.of_kind("policy")
            if isinstance(case, PolicyCase)
        ]

    assert all(r.passed for r in results), [r.problems for r in results if r.problems]
    by_id = {r.id: r for r in results}
    assert by_id["policy-order-over-250"].got["matched_rules"] == [
        "parts-over-250-need-approval",
        "confirm-orders",
    ]


def test_a_policy_case_expecting_another_decision_is_a_mismatch(
    candidate: PreparedCandidate, demo_suite: Suite
) -> None:
    (case,) = demo_cases(demo_suite, "policy-order-quantity-60")
    wrong = replace(case, expected=Outcome.ALLOW)
    with Session(candidate.settings) as session:
        result = run_policy_case(wrong, session.policy, "technician")

    assert not result.passed
    assert result.got["decision"] == "deny"
    assert result.problems[0].startswith("decided deny, expected allow (")


def test_a_photo_case_reads_the_codes_printed(
    candidate: PreparedCandidate, demo_suite: Suite, rapid_engine
) -> None:
    (case,) = demo_cases(demo_suite, "photo-part-label")
    with Session(candidate.settings) as session:
        reader = PhotoReader(rapid_engine, session.store)
        result = run_photo_case(case, session, reader, FieldTurns())
        missing = run_photo_case(case, session, None, FieldTurns(), unavailable="no")

    assert result.passed, result.problems
    assert result.scores == {"expected": 2, "read": 2, "found": 2}
    assert not missing.passed
    assert missing.problems[0] == "not read: no"
    assert missing.scores["found"] == 0


def test_a_run_reports_figures_and_time_per_kind(
    candidate: PreparedCandidate, demo_suite: Suite, tmp_path: Path
) -> None:
    seen = []
    run = run_suite(
        demo_suite,
        candidate,
        tmp_path / "work",
        kinds=("policy", "question"),
        progress=seen.append,
    )

    assert [kind.kind for kind in run.kinds] == ["question", "policy"]
    assert [(p.kind, p.stage) for p in seen] == [
        ("question", "start"),
        ("question", "done"),
        ("policy", "start"),
        ("policy", "done"),
    ]
    questions, policy = run.kinds
    assert questions.figures["cases"] == len(demo_suite.of_kind("question"))
    assert questions.figures["hit_at_5"] >= 0.9
    assert questions.figures["facts_found"] >= 0.9
    assert policy.figures["mismatches"] == 0
    assert all(kind.seconds > 0 for kind in run.kinds)


@pytest.fixture(scope="module")
def rapid_engine():
    """RapidOCR, loaded once for the module (the set-up installs it)."""
    from edge_agent.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine()
