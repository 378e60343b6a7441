"""Evaluating a candidate release against a versioned suite, with the
device's own code, and reporting the figures.

A candidate (knowledge base, policy bundle, model) is installed on a
throw-away home (:mod:`~edge_agent.evaluation.candidate`); the suite's cases
(:mod:`~edge_agent.evaluation.suite`) run through the field's use cases
(:mod:`~edge_agent.evaluation.turns`), one runner per kind; the report is
bound to the candidate by hashes, compared with a baseline and written as
JSON and HTML. ``edge-agent eval`` is the front end.
"""

from __future__ import annotations

from edge_agent.evaluation.candidate import (
    CandidateIdentity,
    CandidateSpec,
    PreparedCandidate,
    prepare_candidate,
)
from edge_agent.evaluation.cases import CASE_KINDS
from edge_agent.evaluation.comparison import compare, read_baseline
from edge_agent.evaluation.report import build_report, write_report_json
from edge_agent.evaluation.results import CaseResult, EvaluationRun, KindResult
from edge_agent.evaluation.runner import Progress, run_suite
from edge_agent.evaluation.suite import Suite, demo_suite_path, load_suite
from edge_agent.evaluation.turns import FieldTurns

__all__ = [
    "CASE_KINDS",
    "CandidateIdentity",
    "CandidateSpec",
    "CaseResult",
    "EvaluationRun",
    "FieldTurns",
    "KindResult",
    "PreparedCandidate",
    "Progress",
    "Suite",
    "build_report",
    "compare",
    "demo_suite_path",
    "load_suite",
    "prepare_candidate",
    "read_baseline",
    "run_suite",
    "write_report_json",
]
