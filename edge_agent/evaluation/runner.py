"""Running a suite's cases on a prepared candidate, kind after kind.

Each kind runs in one session on the candidate's throw-away home (injection
cases each on a copy of it), through :class:`FieldTurns`. A case that fails
is recorded and the run goes on; only a bug stops it. The OCR engine starts
on the first photo (its start is part of that kind's time), once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from edge_agent.errors import OcrUnavailable
from edge_agent.evaluation.candidate import PreparedCandidate
from edge_agent.evaluation.cases import (
    CASE_KINDS,
    InjectionCase,
    PhotoCase,
    PolicyCase,
    QuestionCase,
)
from edge_agent.evaluation.injection_cases import (
    injection_figures,
    run_injection_case,
)
from edge_agent.evaluation.photo_cases import photo_figures, run_photo_case
from edge_agent.evaluation.policy_cases import policy_figures, run_policy_case
from edge_agent.evaluation.question_cases import question_figures, run_question_case
from edge_agent.evaluation.results import CaseResult, EvaluationRun, KindResult
from edge_agent.evaluation.suite import Suite
from edge_agent.evaluation.turns import FieldTurns
from edge_agent.session import Session

if TYPE_CHECKING:
    from edge_agent.ocr import EngineName, OcrEngine, PhotoReader
    from knowledge_cache import KnowledgeStore


@dataclass(frozen=True, slots=True)
class Progress:
    """A kind starting (``result`` is ``None``) or done."""

    kind: str
    stage: Literal["start", "done"]
    cases: int
    result: KindResult | None = None


ProgressSink = Callable[[Progress], None]


def _quiet(_progress: Progress) -> None:
    return None


@dataclass(slots=True)
class _Engine:
    """The OCR engine, started on first use and kept warm for the rest."""

    name: str
    engine: OcrEngine | None = None
    unavailable: str = ""
    notices: list[str] = field(default_factory=list)
    tried: bool = False

    def reader(self, store: KnowledgeStore) -> tuple[PhotoReader | None, str]:
        from edge_agent.ocr import PhotoReader, load_engine

        if not self.tried:
            self.tried = True
            try:
                loaded = load_engine(cast("EngineName", self.name), warm=False)
            except OcrUnavailable as exc:
                self.unavailable = exc.message
            else:
                self.engine = loaded.engine
                self.notices += [loaded.notice] if loaded.notice else []
                self.notices.append(f"OCR engine: {loaded.engine.name}")
        if self.engine is None:
            return None, self.unavailable
        return PhotoReader(self.engine, store), ""


def run_suite(
    suite: Suite,
    candidate: PreparedCandidate,
    workdir: Path,
    *,
    kinds: Sequence[str] = CASE_KINDS,
    turns: FieldTurns | None = None,
    progress: ProgressSink = _quiet,
    setup_seconds: float = 0.0,
) -> EvaluationRun:
    """Run the suite's cases of ``kinds`` on ``candidate``.

    ``workdir`` is an empty folder for the injection cases' homes.
    """
    turns = turns or FieldTurns()
    engine = _Engine(candidate.settings.ocr_engine)
    results = []
    for kind in (k for k in CASE_KINDS if k in kinds):
        cases = suite.of_kind(kind)
        if not cases:
            continue
        progress(Progress(kind, "start", len(cases)))
        started = time.perf_counter()
        done = _run_kind(kind, cases, candidate, workdir, turns, engine)
        notices = tuple(engine.notices) if kind == "photo" else ()
        result = KindResult(
            kind, tuple(done), _FIGURES[kind](done), _since(started), notices
        )
        progress(Progress(kind, "done", len(cases), result))
        results.append(result)
    return EvaluationRun(tuple(results), setup_seconds)


def _run_kind(
    kind: str,
    cases: Sequence[Any],
    candidate: PreparedCandidate,
    workdir: Path,
    turns: FieldTurns,
    engine: _Engine,
) -> list[CaseResult]:
    if kind == "injection":
        return [
            run_injection_case(
                cast(InjectionCase, case),
                candidate,
                workdir / f"home-{index}",
                turns,
                engine.reader,
            )
            for index, case in enumerate(cases)
        ]
    with Session(candidate.settings) as session:
        if kind == "question":
            return [
                run_question_case(
                    cast(QuestionCase, case), session, candidate.model, turns
                )
                for case in cases
            ]
        if kind == "policy":
            status, who = session.policy, session.technician.technician_id
            return [
                run_policy_case(cast(PolicyCase, case), status, who) for case in cases
            ]
        reader, why = engine.reader(session.store)
        return [
            run_photo_case(
                cast(PhotoCase, case), session, reader, turns, unavailable=why
            )
            for case in cases
        ]


_FIGURES: dict[str, Callable[[Sequence[CaseResult]], dict[str, Any]]] = {
    "question": question_figures,
    "photo": photo_figures,
    "policy": policy_figures,
    "injection": injection_figures,
}


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
