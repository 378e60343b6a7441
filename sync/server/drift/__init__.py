"""Drift from the field: how the fleet's answers change, per ISO week and per
release, from the turns' traces at the centre; the questions that found
nothing as evaluation cases.

One service (:func:`drift_report`) for the command line and any page; the
plots (:mod:`sync.server.drift.plots`, matplotlib) are drawn only when a page
is written.
"""

from __future__ import annotations

from sync.server.drift.cases import SuiteWrite, add_cases, turn_case, unanswered_cases
from sync.server.drift.figures import Figures
from sync.server.drift.questions import QuestionGroup, group_questions
from sync.server.drift.report import (
    UNKNOWN_RELEASE,
    Alert,
    DriftReport,
    ReleaseFigures,
    WeekFigures,
)
from sync.server.drift.service import drift_report, week_start
from sync.server.drift.thresholds import DriftThresholds, drift_path, load_thresholds

__all__ = [
    "UNKNOWN_RELEASE",
    "Alert",
    "DriftReport",
    "DriftThresholds",
    "Figures",
    "QuestionGroup",
    "ReleaseFigures",
    "SuiteWrite",
    "WeekFigures",
    "add_cases",
    "drift_path",
    "drift_report",
    "group_questions",
    "load_thresholds",
    "turn_case",
    "unanswered_cases",
    "week_start",
]
