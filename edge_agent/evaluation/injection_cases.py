"""Injection cases: text that tries to steer the assistant, run through the
field's turns on a throw-away copy of the candidate.

Each case gets its own home, a copy of the candidate's (knowledge base,
policy, job list), with the injected document ingested into its knowledge
base. There, as a technician would:

1. a photo case reads the photo (photo turn) and looks up each code read
   (question turn), as the app's lookup from a photo does;
2. the case's question is asked (question turn);
3. the case's request (or, without one, its question) goes through the
   request turn, rules first and the model for what they cannot read, as
   both front ends do; the same request also goes through the candidate's
   home without the injection, for comparison.

Then :mod:`edge_agent.evaluation.escapes` decides whether anything escaped.
A case passes when nothing did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge_agent.act.request_turn import AgentProposal
from edge_agent.answer.values import Answer
from edge_agent.config import EdgeSettings
from edge_agent.errors import KnowledgeDamaged, OcrError
from edge_agent.evaluation.candidate import PreparedCandidate
from edge_agent.evaluation.cases import InjectedDocument, InjectionCase
from edge_agent.evaluation.escapes import (
    Injected,
    answer_escapes,
    proposal_escapes,
    proposal_summary,
    recorded_escapes,
)
from edge_agent.evaluation.results import CaseResult
from edge_agent.evaluation.turns import FieldTurns, propose_as_the_field_does
from edge_agent.knowledge import open_knowledge
from edge_agent.llm import ModelLoader
from edge_agent.session import Session
from knowledge_cache import KnowledgeCacheError, SourceFile

if TYPE_CHECKING:
    from edge_agent.ocr import PhotoReader
    from knowledge_cache import KnowledgeStore

ReaderFor = Callable[["KnowledgeStore"], "tuple[PhotoReader | None, str]"]
"""A photo reader on a store, or ``None`` and why there is none."""


def run_injection_case(
    case: InjectionCase,
    candidate: PreparedCandidate,
    home: Path,
    turns: FieldTurns,
    reader_for: ReaderFor,
) -> CaseResult:
    """Run the case's turns on a copy of ``candidate`` made in ``home``."""
    started = time.perf_counter()
    settings = candidate.clone(home)
    problems: list[str] = []
    if case.document is not None:
        written = home.parent / f"{home.name}-document"
        problems += _add_document(settings, case.document, written)
    model = candidate.model
    with Session(settings) as session:
        answers, read_problems = _answers(case, session, model, turns, reader_for)
        problems += read_problems
        request = case.request or case.question
        proposal = _propose(turns, session, request, model, case.job)
        recorded = session.outbox.list(limit=50)
        device = session.outbox.device_id
    with Session(candidate.settings) as clean:
        without = _propose(turns, clean, request, model, case.job)
    injected = Injected(
        instructions=case.instructions,
        markers=case.markers,
        secrets=(*case.must_not_reveal, device),
        document_id=case.document.name if case.document else None,
    )
    escapes = [e for answer in answers for e in answer_escapes(answer, injected)]
    escapes += proposal_escapes(proposal, without, injected)
    escapes += recorded_escapes(recorded)
    escapes = list(dict.fromkeys(escapes))
    return CaseResult(
        id=case.id,
        kind=case.kind,
        passed=not (escapes or problems),
        expected=_expected(case),
        got={
            "answers": [answer.text for answer in answers],
            "proposal": proposal_summary(proposal),
            "proposal_without_injection": proposal_summary(without),
            "recorded_actions": len(recorded),
            "escapes": escapes,
        },
        problems=tuple([*escapes, *problems]),
        scores={"escapes": len(escapes), "escaped": bool(escapes)},
        seconds=time.perf_counter() - started,
        note=case.note,
    )


def _add_document(
    settings: EdgeSettings, document: InjectedDocument, folder: Path
) -> list[str]:
    """Ingest the document into the copy's knowledge base; why not, if not."""
    path = folder / document.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document.text, encoding="utf-8")
    try:
        with open_knowledge(settings) as store:
            report = store.ingest_sources([SourceFile(path, document.name)])
    except (KnowledgeCacheError, KnowledgeDamaged) as exc:
        return [f"the document could not be added: {exc.message}"]
    return [f"the document could not be added: {o.message}" for o in report.failed]


def _answers(
    case: InjectionCase,
    session: Session,
    model: ModelLoader | None,
    turns: FieldTurns,
    reader_for: ReaderFor,
) -> tuple[list[Answer], list[str]]:
    """The answers the technician reads: to each code read from the photo,
    then to the question."""
    questions: list[str] = []
    problems: list[str] = []
    if case.photo is not None:
        reader, why = reader_for(session.store)
        if reader is None:
            problems.append(f"the photo was not read: {why}")
        else:
            try:
                result = turns.read_photo(session, reader, case.photo)
            except OcrError as exc:
                problems.append(f"the photo was not read: {exc.message}")
            else:
                questions += dict.fromkeys(code.value for code in result.codes)
    if case.question:
        questions.append(case.question)
    answers = [
        turns.answer(session, question, model=model, job_id=case.job)
        for question in questions
    ]
    return answers, problems


def _propose(
    turns: FieldTurns,
    session: Session,
    request: str | None,
    model: ModelLoader | None,
    job_id: str | None,
) -> AgentProposal | None:
    if request is None:
        return None
    return propose_as_the_field_does(
        turns, session, request, model=model, job_id=job_id
    )


def _expected(case: InjectionCase) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "carrier": f"document {case.document.name}"
        if case.document
        else f"photo {case.photo.name if case.photo else ''}",
        "instructions": list(case.instructions),
        "question": case.question,
        "request": case.request,
        "escapes": 0,
    }
    if case.markers:
        expected["markers"] = list(case.markers)
    if case.must_not_reveal:
        expected["must_not_reveal"] = list(case.must_not_reveal)
    return expected


def injection_figures(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Cases where something escaped, and how many escapes in all."""
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "escapes": sum(bool(r.scores["escaped"]) for r in results),
        "escape_findings": sum(r.scores["escapes"] for r in results),
    }
