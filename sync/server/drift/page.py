"""The drift report as one readable HTML page (inline CSS and SVG plots)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from sync.server.drift.report import DriftReport, shown

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:76em;color:#1d2330}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #d5d9e0}
table{border-collapse:collapse;margin:.6em 0}td,th{padding:.25em .7em;
border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{background:#f3f5f8}.alert{color:#b23a22;font-weight:600}.muted{color:#667085}
svg{max-width:100%;height:auto;display:block;margin:.5em 0}
"""
COLUMNS = (
    ("turns", "turns"),
    ("questions", "questions"),
    ("nothing_found_rate", "nothing found"),
    ("dropped_sentence_share", "sentences dropped"),
    ("photo_confidence", "photo confidence"),
    ("correction_rate", "corrected"),
    ("denial_rate", "denied"),
    ("quarantine_rate", "quarantined"),
    ("disagreement_rate", "disagree"),
    ("seconds_per_turn", "seconds/turn"),
    ("tokens_per_model_turn", "tokens/model turn"),
)
"""The figures of the tables, with their headings."""


def drift_page(report: DriftReport, plots: Sequence[tuple[str, str]]) -> str:
    """The page's HTML, with ``plots`` (title, SVG) drawn in."""
    scope = report.release or "every release"
    title = f"Drift from the field: {scope}"
    return "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{_e(title)}</h1>",
            f"<p class='muted'>Turns that started from {_e(report.since.isoformat())}"
            f" to {_e(report.until.isoformat())}: {report.total}.</p>",
            *_alerts(report),
            *(f"<h2>{_e(name)}</h2>{svg}" for name, svg in plots),
            "<h2>Per week</h2>",
            _table("week", ((w.week, w) for w in report.weeks)),
            "<h2>Per release</h2>",
            _table("release", ((r.release, r) for r in report.by_release)),
            *_unanswered(report),
            "</body></html>",
        ]
    )


def _alerts(report: DriftReport) -> list[str]:
    if not report.alerts:
        return ["<p>No alert: every week's figures are within the thresholds.</p>"]
    items = "".join(
        f"<li class='alert'>{_e(alert.message)}</li>" for alert in report.alerts
    )
    return [f"<h2>Alerts</h2><ul>{items}</ul>"]


def _table(first: str, rows: Iterable[tuple[str, object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in (first, *(h for _, h in COLUMNS)))
    body = []
    for label, row in rows:
        figures = row.figures  # type: ignore[attr-defined]
        cells = "".join(
            f"<td>{_e(shown(name, getattr(figures, name)))}</td>" for name, _ in COLUMNS
        )
        body.append(f"<tr><td>{_e(label)}</td>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _unanswered(report: DriftReport) -> list[str]:
    if not report.unanswered:
        return []
    rows = "".join(
        f"<tr><td>{group.count}</td><td>{_e(group.question)}</td>"
        f"<td>{_e('; '.join(w for w, _ in group.wordings[1:]))}</td>"
        f"<td>{len(group.devices)}</td><td>{_e(', '.join(group.weeks))}</td></tr>"
        for group in report.unanswered
    )
    return [
        "<h2>Questions that found nothing</h2>",
        "<p class='muted'>The knowledge base's to-do list: "
        "<code>edge-governance drift unanswered --out FILE</code> writes them as "
        "evaluation cases.</p>",
        "<table><tr><th>times</th><th>question</th><th>also asked as</th>"
        f"<th>devices</th><th>weeks</th></tr>{rows}</table>",
    ]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
