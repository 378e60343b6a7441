"""The drift page's plots, drawn by matplotlib on its Agg canvas as inline
SVG. The only module of the centre that imports matplotlib (the ``server``
extra installs it), and only when a page is written."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sync.server.drift.report import DriftReport, WeekFigures
from sync.server.drift.turn_facts import ROUTES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ROUTE_COLOURS = ("#2f6db5", "#7fb0e0", "#8f6bb5", "#c8553d")
_RATES = (
    ("nothing_found_rate", "nothing found"),
    ("dropped_sentence_share", "model sentences dropped"),
    ("denial_rate", "denied"),
    ("quarantine_rate", "quarantined"),
    ("disagreement_rate", "device and centre disagree"),
    ("correction_rate", "codes corrected by hand"),
)


def drift_plots(report: DriftReport) -> list[tuple[str, str]]:
    """(title, SVG text) of each plot: routes per week, rates per week, and
    the device's cost per turn."""
    from matplotlib.figure import Figure

    weeks = report.weeks
    if not weeks:
        return []
    labels = [week.week for week in weeks]
    return [
        ("Routes per week", _svg(_routes(Figure(figsize=(8, 3.2)), weeks, labels))),
        ("Rates per week", _svg(_rates(Figure(figsize=(8, 3.2)), weeks, labels))),
        ("Cost per turn", _svg(_cost(Figure(figsize=(8, 3.2)), weeks, labels))),
    ]


def _routes(figure: Figure, weeks: Sequence[WeekFigures], labels: list[str]) -> Figure:
    axes = figure.subplots()
    bottom = [0] * len(weeks)
    for route, colour in zip(ROUTES, _ROUTE_COLOURS, strict=True):
        counts = [week.figures.routes.get(route, 0) for week in weeks]
        axes.bar(labels, counts, bottom=bottom, label=route, color=colour)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_ylabel("questions")
    axes.legend(fontsize=8, loc="upper left", ncols=4)
    axes.tick_params(axis="x", labelsize=8, rotation=45)
    figure.tight_layout()
    return figure


def _rates(figure: Figure, weeks: Sequence[WeekFigures], labels: list[str]) -> Figure:
    axes = figure.subplots()
    for name, label in _RATES:
        values = [getattr(week.figures, name) for week in weeks]
        shares = [float("nan") if v is None else v * 100 for v in values]
        axes.plot(labels, shares, marker="o", label=label)
    axes.set_ylabel("% of turns counted")
    axes.legend(fontsize=7, loc="upper left", ncols=2)
    axes.tick_params(axis="x", labelsize=8, rotation=45)
    figure.tight_layout()
    return figure


def _cost(figure: Figure, weeks: Sequence[WeekFigures], labels: list[str]) -> Figure:
    axes = figure.subplots()
    seconds = [_nan(week.figures.seconds_per_turn) for week in weeks]
    p95 = [_nan(week.figures.seconds_p95) for week in weeks]
    axes.plot(labels, seconds, marker="o", label="mean seconds per turn")
    axes.plot(labels, p95, marker="s", linestyle="--", label="95th percentile")
    axes.set_ylabel("seconds")
    tokens = axes.twinx()
    tokens.plot(
        labels,
        [_nan(week.figures.tokens_per_model_turn) for week in weeks],
        color="#c8553d",
        marker="^",
        label="tokens per model turn",
    )
    tokens.set_ylabel("tokens")
    axes.legend(fontsize=8, loc="upper left")
    tokens.legend(fontsize=8, loc="upper right")
    axes.tick_params(axis="x", labelsize=8, rotation=45)
    figure.tight_layout()
    return figure


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.find("<svg") :]
