"""The drift report's records: figures per ISO week and per release, the
questions that found nothing, and the alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.server.drift.figures import Figures
from sync.server.drift.questions import QuestionGroup
from sync.server.drift.thresholds import DriftThresholds

UNKNOWN_RELEASE = "unknown"


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One ISO week's figures (``2026-W10``), for every release or one."""

    week: str
    release: str | None
    """``None``: every release; else the release these turns ran."""
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        return {"week": self.week, "release": self.release, **self.figures.as_dict()}


@dataclass(frozen=True, slots=True)
class ReleaseFigures:
    """One release's figures over the report's weeks."""

    release: str
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        return {"release": self.release, **self.figures.as_dict()}


@dataclass(frozen=True, slots=True)
class Alert:
    """A week's figure past its threshold."""

    figure: str
    week: str
    value: float
    threshold: float
    above: bool
    """Whether the value is above a maximum (else below a minimum)."""

    @property
    def message(self) -> str:
        side = "above the maximum" if self.above else "below the minimum"
        return (
            f"{self.week}: {self.figure} is {shown(self.figure, self.value)}, "
            f"{side} of {shown(self.figure, self.threshold)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "week": self.week,
            "value": self.value,
            "threshold": self.threshold,
            "above": self.above,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The whole report, as the command line, a page and JSON show it.

    Attributes:
        since, until: The turns' start times it covers (``until`` excluded).
        release: The one release it is about, or ``None``: every release.
        weeks: Each week's figures, oldest first (weeks with no turn left out).
        by_release: Each release's figures over the period.
        cells: Each (week, release) pair's figures.
        unanswered: The questions that found nothing, grouped, largest first.
        alerts: Each week's figures past the thresholds.
        thresholds: The thresholds in force.
    """

    since: datetime
    until: datetime
    release: str | None
    weeks: tuple[WeekFigures, ...]
    by_release: tuple[ReleaseFigures, ...]
    cells: tuple[WeekFigures, ...]
    unanswered: tuple[QuestionGroup, ...]
    alerts: tuple[Alert, ...]
    thresholds: DriftThresholds

    @property
    def total(self) -> int:
        return sum(week.figures.turns for week in self.weeks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "release": self.release,
            "turns": self.total,
            "weeks": [week.as_dict() for week in self.weeks],
            "releases": [release.as_dict() for release in self.by_release],
            "weeks_by_release": [cell.as_dict() for cell in self.cells],
            "unanswered": [group.as_dict() for group in self.unanswered],
            "alerts": [alert.as_dict() for alert in self.alerts],
            "thresholds": self.thresholds.as_dict(),
        }


def shown(figure: str, value: float | None) -> str:
    """A figure's value as people read it: shares in per cent, seconds with
    their unit, counts as numbers; ``-`` for nothing to count."""
    if value is None:
        return "-"
    if figure.endswith(("_rate", "_share", "_confidence")):
        return f"{value:.1%}"
    if figure.startswith("seconds"):
        return f"{value:.2f} s"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
