"""Question cases: the question turn answers, the answer is scored.

The chunks an answer is ranked by are those its turn retrieved, best first
(the retrieval span of its trace), then those it quotes: a code lookup
retrieves nothing and quotes its table rows. A case passes when every
expectation it states holds: an expected chunk and every expected code in
the top 5 (hit@5; hit@1 is a figure, not a condition), every expected fact
shown, an abstention exactly when ``must_abstain`` says so, and nothing in
``must_not_say`` shown.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from edge_agent.answer.values import Answer
from edge_agent.evaluation.cases import QuestionCase
from edge_agent.evaluation.results import CaseResult
from edge_agent.evaluation.scoring import (
    answered_absent,
    code_rows,
    is_hit,
    ratio,
    shows,
)
from edge_agent.evaluation.turns import FieldTurns, last_retrieval
from edge_agent.llm import ModelLoader

if TYPE_CHECKING:
    from edge_agent.session import Session

TOP = 5


def ranked_chunks(answer: Answer, retrieved: Sequence[str]) -> list[str]:
    """The chunks retrieved, best first, then those quoted, each once."""
    quoted = [fact.chunk_id for fact in answer.facts]
    return list(dict.fromkeys([*retrieved, *quoted]))


def run_question_case(
    case: QuestionCase,
    session: Session,
    model: ModelLoader | None,
    turns: FieldTurns,
) -> CaseResult:
    """Ask the case's question through the question turn and score the answer."""
    started = time.perf_counter()
    answer = turns.answer(session, case.question, model=model, job_id=case.job)
    ranked = ranked_chunks(answer, last_retrieval(session))
    shown = answer.text
    hits = _hits(case, session, ranked)
    missing = [fact for fact in case.expected_facts if not shows(shown, fact)]
    said = [text for text in case.must_not_say if shows(shown, text)]
    abstained = answered_absent(answer)
    problems = _problems(case, ranked, hits, missing, said, abstained)
    return CaseResult(
        id=case.id,
        kind=case.kind,
        passed=not problems,
        expected=_expected(case),
        got={
            "route": answer.route.value,
            "ranked": ranked[:TOP],
            "abstained": abstained,
            "facts_missing": missing,
            "said": said,
            "model": answer.model_id,
            "answer": shown,
        },
        problems=tuple(problems),
        scores={
            "hit_at_1": hits[0],
            "hit_at_5": hits[1],
            "facts_expected": len(case.expected_facts),
            "facts_found": len(case.expected_facts) - len(missing),
            "abstain_correct": abstained == case.must_abstain,
            "must_not_say_violations": len(said),
            "model_answer": answer.model_id is not None,
        },
        seconds=time.perf_counter() - started,
        note=case.note,
    )


def _hits(
    case: QuestionCase, session: Session, ranked: Sequence[str]
) -> tuple[bool | None, bool | None]:
    if not case.scored_for_hits:
        return None, None
    rows = code_rows(session.store, case.expected_codes)

    def hit(k: int) -> bool:
        return is_hit(
            ranked,
            k,
            expected_chunks=case.expected_chunks,
            expected_codes=case.expected_codes,
            rows=rows,
        )

    return hit(1), hit(TOP)


def _problems(
    case: QuestionCase,
    ranked: Sequence[str],
    hits: tuple[bool | None, bool | None],
    missing: Sequence[str],
    said: Sequence[str],
    abstained: bool,
) -> list[str]:
    problems = []
    if hits[1] is False:
        top = ", ".join(ranked[:TOP]) or "nothing"
        problems.append(f"no expected chunk or code in the top {TOP} (got {top})")
    problems += [f"does not show {fact!r}" for fact in missing]
    if abstained != case.must_abstain:
        problems.append(
            "abstained, but the knowledge base answers it"
            if abstained
            else "answered, but should have said nothing answers it"
        )
    problems += [f"shows {text!r}, which it must not say" for text in said]
    return problems


def _expected(case: QuestionCase) -> dict[str, Any]:
    expected: dict[str, Any] = {"question": case.question}
    for name in ("expected_chunks", "expected_codes", "expected_facts"):
        if values := getattr(case, name):
            expected[name.removeprefix("expected_")] = list(values)
    expected["must_abstain"] = case.must_abstain
    if case.must_not_say:
        expected["must_not_say"] = list(case.must_not_say)
    if case.job:
        expected["job"] = case.job
    return expected


def question_figures(results: Sequence[CaseResult]) -> dict[str, Any]:
    """hit@1 and hit@5 (over cases expecting chunks or codes), facts found,
    abstentions right, must-not-say violations."""
    scored = [r for r in results if r.scores["hit_at_5"] is not None]
    expected = sum(r.scores["facts_expected"] for r in results)
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "scored_for_hits": len(scored),
        "hit_at_1": ratio(sum(bool(r.scores["hit_at_1"]) for r in scored), len(scored)),
        "hit_at_5": ratio(sum(bool(r.scores["hit_at_5"]) for r in scored), len(scored)),
        "facts_expected": expected,
        "facts_found": ratio(sum(r.scores["facts_found"] for r in results), expected),
        "abstain_correct": ratio(
            sum(r.scores["abstain_correct"] for r in results), len(results)
        ),
        "must_not_say_violations": sum(
            r.scores["must_not_say_violations"] for r in results
        ),
        "model_answers": sum(r.scores["model_answer"] for r in results),
    }
