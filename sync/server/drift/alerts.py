"""Which weeks' figures pass their thresholds. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from sync.server.drift.report import Alert, WeekFigures
from sync.server.drift.thresholds import DriftThresholds

WATCHED = (
    ("nothing_found_rate", "max_nothing_found_rate"),
    ("dropped_sentence_share", "max_dropped_sentence_share"),
    ("photo_confidence", "min_photo_confidence"),
    ("correction_rate", "max_correction_rate"),
    ("denial_rate", "max_denial_rate"),
    ("quarantine_rate", "max_quarantine_rate"),
    ("disagreement_rate", "max_disagreement_rate"),
    ("seconds_per_turn", "max_seconds_per_turn"),
    ("tokens_per_model_turn", "max_tokens_per_model_turn"),
)
"""Each figure watched, with the threshold that limits it."""


def alerts_for(
    weeks: Iterable[WeekFigures], thresholds: DriftThresholds
) -> list[Alert]:
    """An alert per week and figure past its threshold, in week order; weeks
    with fewer turns than ``min_turns`` raise none."""
    raised = []
    for week in weeks:
        if week.figures.turns < thresholds.min_turns:
            continue
        for figure, key in WATCHED:
            value = getattr(week.figures, figure)
            limit = float(getattr(thresholds, key))
            if value is None:
                continue
            above = key.startswith("max_")
            if (value > limit) if above else (value < limit):
                raised.append(Alert(figure, week.week, value, limit, above))
    return raised
