"""What running the cases gives: one result per case, figures per kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case: passed or not, what was expected and what happened.

    ``problems`` says in words why the case failed (empty when it passed);
    ``scores`` are the per-case numbers the kind's figures add up.
    """

    id: str
    kind: str
    passed: bool
    expected: Mapping[str, Any]
    got: Mapping[str, Any]
    problems: tuple[str, ...] = ()
    scores: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "passed": self.passed,
            "expected": dict(self.expected),
            "got": dict(self.got),
            "problems": list(self.problems),
            "scores": dict(self.scores),
            "seconds": round(self.seconds, 3),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class KindResult:
    """Every case of one kind, its figures and the time the kind took."""

    kind: str
    cases: tuple[CaseResult, ...]
    figures: Mapping[str, Any]
    seconds: float
    notices: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        return sum(case.passed for case in self.cases)


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """The results of every kind run, in suite order, and the set-up time."""

    kinds: tuple[KindResult, ...]
    setup_seconds: float

    @property
    def cases(self) -> list[CaseResult]:
        return [case for kind in self.kinds for case in kind.cases]
