"""The evaluation with the real default model: a few question cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config import load_settings
from edge_agent.evaluation import CandidateSpec, FieldTurns, Suite, prepare_candidate
from edge_agent.evaluation.question_cases import run_question_case
from edge_agent.llm import default_model_path
from edge_agent.session import Session
from tests.edge_agent.evaluation.suite_files import demo_cases

pytestmark = pytest.mark.llm


def test_question_cases_run_with_the_default_model(
    tmp_path: Path, isolated_home: Path, demo_suite: Suite
) -> None:
    device = load_settings(
        home=isolated_home, answer_max_tokens=32, explain_answers=True
    )
    candidate = prepare_candidate(
        CandidateSpec(), device, tmp_path / "candidate", jobs=demo_suite.jobs
    )
    assert candidate.identity.model.file == default_model_path().name
    assert len(candidate.identity.model.sha256) == 64

    cases = demo_cases(demo_suite, "q-code-01", "q-proc-03", "q-abs-01")
    with Session(candidate.settings) as session:
        results = [
            run_question_case(case, session, candidate.model, FieldTurns())
            for case in cases
        ]

    lookup, explained, absent = results
    assert lookup.got["model"] is None, "a code lookup calls no model"
    assert explained.got["model"] is not None
    assert explained.scores["hit_at_5"] is True
    assert explained.scores["facts_found"] == 1, "facts come from the KB, model or not"
    assert absent.got["abstained"] is True
    assert all(r.scores["must_not_say_violations"] == 0 for r in results)
