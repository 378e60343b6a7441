"""How ``edge-governance drift`` shows its report as text (100 columns)."""

from __future__ import annotations

from collections.abc import Iterable

from sync.server.drift import DriftReport, Figures
from sync.server.drift.report import shown

_COLUMNS = (
    ("turns", "turns", 6),
    ("nothing_found_rate", "none", 6),
    ("dropped_sentence_share", "drop", 6),
    ("photo_confidence", "photo", 6),
    ("correction_rate", "fixed", 6),
    ("denial_rate", "deny", 6),
    ("quarantine_rate", "quar", 6),
    ("disagreement_rate", "disag", 6),
    ("seconds_per_turn", "s/turn", 8),
    ("tokens_per_model_turn", "tok", 5),
)
_LEGEND = (
    "none: questions that found nothing; drop: model sentences dropped by the "
    "checks;\nphoto: mean confidence of codes read; fixed: codes corrected by hand "
    "per code read;\ndeny: decisions denied; quar: actions quarantined; disag: "
    "device and centre disagree;\ns/turn: mean seconds per turn on the device; "
    "tok: tokens per turn that called the model."
)


def report_lines(report: DriftReport) -> list[str]:
    scope = f"release {report.release}" if report.release else "every release"
    lines = [
        f"Drift from the field, {scope}: turns started "
        f"{report.since:%Y-%m-%d} to {report.until:%Y-%m-%d} ({report.total} turns)."
    ]
    if not report.weeks:
        return [*lines, "No turns in this period: devices send them at each sync."]
    lines += [
        "",
        "Per week",
        *_table("week", ((w.week, w.figures) for w in report.weeks)),
    ]
    lines += [
        "",
        "Routes per week (code lookup / quotes / explanation / nothing found)",
    ]
    for week in report.weeks:
        routes = week.figures.routes
        lines.append(
            f"  {week.week:<9} {routes['code_lookup']:>6} {routes['quotes']:>6} "
            f"{routes['explanation']:>6} {routes['not_found']:>6}"
        )
    lines += [
        "",
        "Per release",
        *_table("release", ((r.release, r.figures) for r in report.by_release)),
        "",
        _LEGEND,
        "",
        *_unanswered(report),
        "",
        *_alerts(report),
    ]
    return lines


def _table(first: str, rows: Iterable[tuple[str, Figures]]) -> list[str]:
    head = f"  {first:<16}" + "".join(f"{h:>{w + 1}}" for _, h, w in _COLUMNS)
    lines = [head]
    for label, figures in rows:
        cells = "".join(
            f"{_short(name, getattr(figures, name)):>{w + 1}}"
            for name, _, w in _COLUMNS
        )
        lines.append(f"  {label[:16]:<16}{cells}")
    return lines


def _short(name: str, value: float | None) -> str:
    text = shown(name, value)
    return text.replace(".0%", "%")


def _unanswered(report: DriftReport, limit: int = 15) -> list[str]:
    if not report.unanswered:
        return ["No question found nothing."]
    lines = [
        f"Questions that found nothing: {len(report.unanswered)} group(s) of alike "
        "questions",
        "(edge-governance drift unanswered --out FILE writes them as cases)",
    ]
    for group in report.unanswered[:limit]:
        more = len(group.wordings) - 1
        also = f" (+{more} alike)" if more else ""
        text = f"{group.question}{also}"
        lines.append(
            f"  {group.count:>5}x  {text[:70]:<70} {len(group.devices):>3} dev"
        )
    if len(report.unanswered) > limit:
        lines.append(f"  ... and {len(report.unanswered) - limit} more groups")
    return lines


def _alerts(report: DriftReport) -> list[str]:
    if not report.alerts:
        return ["No alert: every week's figures are within the thresholds."]
    return [
        f"{len(report.alerts)} alert(s):",
        *(f"  ALERT {alert.message}" for alert in report.alerts),
    ]
