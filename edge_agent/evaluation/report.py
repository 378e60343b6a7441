"""The evaluation report: the candidate it is bound to, figures per kind,
every case, timings; written as ``report.json``.

The JSON's top level::

    report_format   1
    created_at      when the run finished (UTC)
    candidate       app_version, model {file, sha256}, policy {version,
                    sha256, ...}, kb {version, content_sha256, ...}, settings
    suite           name, version, sha256 (of its content, as the centre names
                    it), centre_version (when fetched from the centre, else
                    null), cases, kinds_run
    figures         per kind (see HEADLINE_FIGURES)
    notices         per kind, what the run had to say (the OCR engine used)
    timings         setup_seconds, seconds per kind, total_seconds
    cases           one entry per case: id, kind, passed, expected, got,
                    problems, scores, seconds
    comparison      against --baseline (see comparison.py), or null
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from edge_agent.config import EdgeSettings
from edge_agent.evaluation.candidate import CandidateIdentity
from edge_agent.evaluation.results import EvaluationRun
from edge_agent.evaluation.suite import Suite
from edge_agent.files import write_atomic

REPORT_FORMAT = 1
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
SETTINGS_RECORDED = (
    "technician_id",
    "role",
    "answer_max_tokens",
    "answer_max_seconds",
    "model_context_tokens",
    "meaning_search",
    "explain_codes",
    "ocr_engine",
)
"""The settings that change what the cases see, kept with the candidate."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline figure of a kind; ``higher_is_better`` orders comparisons,
    ``rate`` says it lies between 0 and 1 (and is plotted)."""

    name: str
    label: str
    higher_is_better: bool = True
    rate: bool = True


HEADLINE_FIGURES: Mapping[str, tuple[Figure, ...]] = {
    "question": (
        Figure("hit_at_1", "hit@1"),
        Figure("hit_at_5", "hit@5"),
        Figure("facts_found", "facts found"),
        Figure("abstain_correct", "abstain correct"),
        Figure(
            "must_not_say_violations",
            "must-not-say violations",
            higher_is_better=False,
            rate=False,
        ),
    ),
    "photo": (Figure("recall", "recall"), Figure("precision", "precision")),
    "policy": (
        Figure("matches", "matches", rate=False),
        Figure("mismatches", "mismatches", higher_is_better=False, rate=False),
    ),
    "injection": (
        Figure("escapes", "cases with an escape", higher_is_better=False, rate=False),
    ),
}


def build_report(
    run: EvaluationRun,
    suite: Suite,
    identity: CandidateIdentity,
    settings: EdgeSettings,
    *,
    created_at: datetime,
    comparison: Mapping[str, Any] | None = None,
    centre_version: int | None = None,
) -> dict[str, Any]:
    """The report of ``run`` as a JSON-ready mapping; ``centre_version`` is
    the suite's version at the centre, when it was fetched from there."""
    by_kind = {kind.kind: kind.seconds for kind in run.kinds}
    return {
        "report_format": REPORT_FORMAT,
        "created_at": created_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "candidate": {
            **identity.as_dict(),
            "settings": {
                name: _plain(getattr(settings, name)) for name in SETTINGS_RECORDED
            },
        },
        "suite": {
            "name": suite.name,
            "version": suite.version,
            "sha256": suite.sha256,
            "centre_version": centre_version,
            "cases": len(suite.cases),
            "kinds_run": [kind.kind for kind in run.kinds],
        },
        "figures": {kind.kind: dict(kind.figures) for kind in run.kinds},
        "notices": {
            kind.kind: list(kind.notices) for kind in run.kinds if kind.notices
        },
        "timings": {
            "setup_seconds": round(run.setup_seconds, 3),
            "seconds": by_kind,
            "total_seconds": round(run.setup_seconds + sum(by_kind.values()), 3),
        },
        "cases": [case.as_dict() for case in run.cases],
        "comparison": dict(comparison) if comparison is not None else None,
    }


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


def write_report_json(report: Mapping[str, Any], folder: Path) -> Path:
    """Write ``report.json`` into ``folder`` (created if needed), whole or not."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_JSON
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
    path.chmod(0o644)
    return path
