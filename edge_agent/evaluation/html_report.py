"""``report.html``: the report to read, one self-contained file.

Inline CSS; plots drawn by matplotlib on its Agg canvas and embedded as
base64 PNG. matplotlib (the ``eval`` extra) is imported here only, when the
page is written: without it :func:`write_html` raises
:class:`HtmlUnavailable` and the JSON report stands alone.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge_agent.evaluation.report import HEADLINE_FIGURES, REPORT_HTML
from edge_agent.files import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = (
    "install the eval extra (pip install 'edge-field-assistant[eval]', or run "
    "scripts/setup.sh) and run edge-agent eval again"
)
_COLOURS = {"candidate": "#2f6db5", "baseline": "#b0b7c3", "failed": "#c8553d"}
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#1d2330}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #d5d9e0}
table{border-collapse:collapse;margin:.6em 0}td,th{padding:.25em .7em;
border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{background:#f3f5f8}.pass{color:#2c7a3f;font-weight:600}
.fail{color:#b23a22;font-weight:600}.better{color:#2c7a3f}.worse{color:#b23a22}
code,pre{font:12px/1.35 ui-monospace,monospace}pre{white-space:pre-wrap;margin:0}
img{max-width:100%;border:1px solid #e3e6eb;margin:.5em 0}.muted{color:#667085}
"""


class HtmlUnavailable(Exception):
    """matplotlib is not installed; ``message`` says how to get the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def write_html(report: Mapping[str, Any], folder: Path) -> Path:
    """Write ``report.html`` for ``report`` into ``folder``.

    Raises:
        HtmlUnavailable: matplotlib is not installed; nothing was written.
    """
    plots = _plots(report)
    page = "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{_e(_title(report))}</title><style>{_CSS}</style></head><body>",
            *_header(report),
            *_summary(report),
            *(
                f"<img alt='{_e(alt)}' src='data:image/png;base64,{png}'>"
                for alt, png in plots
            ),
            *_comparison(report.get("comparison")),
            *_cases(report["cases"]),
            "</body></html>",
        ]
    )
    path = folder / REPORT_HTML
    write_atomic(path, page.encode("utf-8"))
    path.chmod(0o644)
    return path


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _title(report: Mapping[str, Any]) -> str:
    suite = report["suite"]
    return f"Evaluation: {suite['name']} suite v{suite['version']}"


def _header(report: Mapping[str, Any]) -> list[str]:
    candidate, suite = report["candidate"], report["suite"]
    model, policy, kb = candidate["model"], candidate["policy"], candidate["kb"]
    rows = [
        ("app version", candidate["app_version"]),
        ("model", f"{model['file'] or 'none'} (sha256 {model['sha256']})"),
        (
            "policy",
            f"version {policy['version']} from {policy['source']}, key "
            f"{policy['key_id']}, expires {policy['expires_at']} "
            f"(sha256 {policy['sha256']})",
        ),
        (
            "knowledge base",
            f"{kb['name'] or kb['source']} version {kb['version']}, "
            f"{kb['documents']} documents, {kb['chunks']} chunks "
            f"(content sha256 {kb['content_sha256']})",
        ),
        (
            "suite",
            f"{suite['name']} version {suite['version']} (sha256 {suite['sha256']})",
        ),
        ("settings", json.dumps(candidate.get("settings", {}), sort_keys=True)),
        ("created", report["created_at"]),
    ]
    if policy.get("read_only"):
        rows.append(("read-only", policy["read_only"]))
    return [f"<h1>{_e(_title(report))}</h1>", _table(("", ""), rows, header=False)]


def _summary(report: Mapping[str, Any]) -> list[str]:
    timings = report["timings"]["seconds"]
    rows = []
    for kind, figures in report["figures"].items():
        shown = [
            f"{figure.label} {_number(figures.get(figure.name))}"
            for figure in HEADLINE_FIGURES.get(kind, ())
        ]
        rows.append(
            (
                kind,
                f"{figures.get('passed')}/{figures.get('cases')}",
                "; ".join(shown),
                f"{timings.get(kind, 0):.2f} s",
            )
        )
    total = report["timings"]
    note = (
        f"Set-up {total['setup_seconds']:.2f} s; total {total['total_seconds']:.2f} s."
    )
    return [
        "<h2>Figures</h2>",
        _table(("kind", "passed", "figures", "time"), rows),
        f"<p class='muted'>{_e(note)}</p>",
    ]


def _comparison(comparison: Mapping[str, Any] | None) -> list[str]:
    if not comparison:
        return []
    base = comparison["baseline"]
    lines = [
        "<h2>Against the baseline</h2>",
        f"<p>Baseline of {_e(base.get('created_at'))}: model "
        f"{_e(base['candidate']['model']['sha256'][:12])}, policy version "
        f"{_e(base['candidate']['policy']['version'])}, KB version "
        f"{_e(base['candidate']['kb']['version'])}.</p>",
    ]
    if not comparison["same_suite"]:
        lines.append(
            "<p class='fail'>The baseline ran another suite (its hash differs).</p>"
        )
    rows = [
        (
            row["kind"],
            row["label"],
            _number(row["baseline"]),
            _number(row["candidate"]),
            f"<span class='{row['verdict']}'>{_e(row['verdict'])}</span>",
        )
        for row in comparison["figures"]
    ]
    lines.append(_table(("kind", "figure", "baseline", "candidate", ""), rows, raw=4))
    for key, title in (
        ("new_failures", "New failures"),
        ("fixed", "Fixed"),
        ("still_failing", "Still failing"),
        ("only_in_candidate", "Only in this run"),
        ("only_in_baseline", "Only in the baseline"),
    ):
        listed = comparison[key]
        lines.append(f"<h3>{title} ({len(listed)})</h3>")
        if listed:
            lines.append(
                _table(
                    ("kind", "case", "problems"),
                    [(c["kind"], c["id"], "; ".join(c["problems"])) for c in listed],
                )
            )
    return lines


def _cases(cases: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["<h2>Cases</h2>"]
    for kind in dict.fromkeys(case["kind"] for case in cases):
        rows = [
            (
                case["id"],
                "<span class='pass'>pass</span>"
                if case["passed"]
                else "<span class='fail'>fail</span>",
                _e("; ".join(case["problems"]) or case.get("note", "")),
                _details(case["expected"], case["got"]),
                f"{case['seconds']:.2f} s",
            )
            for case in cases
            if case["kind"] == kind
        ]
        lines += [
            f"<h3>{_e(kind)}</h3>",
            _table(("case", "", "problems", "", "time"), rows, raw=(1, 2, 3)),
        ]
    return lines


def _details(expected: Mapping[str, Any], got: Mapping[str, Any]) -> str:
    def block(value: Mapping[str, Any]) -> str:
        return _e(json.dumps(value, indent=1, ensure_ascii=False))

    return (
        "<details><summary>expected / got</summary>"
        f"<pre>{block(expected)}</pre><pre>{block(got)}</pre></details>"
    )


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    header: bool = True,
    raw: int | tuple[int, ...] = (),
) -> str:
    """Rows escaped, except the columns in ``raw`` (already HTML)."""
    keep = (raw,) if isinstance(raw, int) else raw
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>")
    for row in rows:
        cells = (str(v) if i in keep else _e(v) for i, v in enumerate(row))
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _number(value: object) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


# --- plots -----------------------------------------------------------------------


def _plots(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(alt text, base64 PNG)`` of each plot."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise HtmlUnavailable(
            f"report.html was not written: matplotlib is not installed; {INSTALL_HINT}."
        ) from exc
    comparison = report.get("comparison") or {}
    baseline = _baseline_figures(comparison)
    made = [
        (
            "Rates per case kind",
            _rates_plot(Figure(figsize=(8, 3.6)), report, baseline),
        ),
        ("Cases passed per kind", _passed_plot(Figure(figsize=(8, 2.6)), report)),
        ("Seconds per case kind", _seconds_plot(Figure(figsize=(8, 2.8)), report)),
    ]
    return [(alt, _png(FigureCanvasAgg(figure))) for alt, figure in made]


def _png(canvas: Any) -> str:
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _baseline_figures(comparison: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    return {
        (row["kind"], row["figure"]): row["baseline"]
        for row in comparison.get("figures", [])
    }


def _rates_plot(
    figure: Figure, report: Mapping[str, Any], baseline: Mapping[tuple[str, str], Any]
) -> Figure:
    labels, values, before = [], [], []
    for kind, figures in report["figures"].items():
        for item in HEADLINE_FIGURES.get(kind, ()):
            if item.rate and figures.get(item.name) is not None:
                labels.append(f"{kind}: {item.label}")
                values.append(figures[item.name])
                before.append(baseline.get((kind, item.name)))
    axes = figure.subplots()
    rows = range(len(labels))
    if any(v is not None for v in before):
        axes.barh(
            [r + 0.2 for r in rows],
            [v or 0 for v in before],
            0.4,
            label="baseline",
            color=_COLOURS["baseline"],
        )
        axes.barh(
            [r - 0.2 for r in rows],
            values,
            0.4,
            label="candidate",
            color=_COLOURS["candidate"],
        )
        axes.legend(loc="lower right", fontsize=8)
    else:
        axes.barh(list(rows), values, 0.6, color=_COLOURS["candidate"])
    axes.set_yticks(list(rows), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_title("Rates (1 is best)", fontsize=10)
    figure.tight_layout()
    return figure


def _passed_plot(figure: Figure, report: Mapping[str, Any]) -> Figure:
    kinds = list(report["figures"])
    passed = [report["figures"][k]["passed"] for k in kinds]
    failed = [
        report["figures"][k]["cases"] - p for k, p in zip(kinds, passed, strict=True)
    ]
    axes = figure.subplots()
    axes.barh(kinds, passed, color=_COLOURS["candidate"], label="passed")
    axes.barh(kinds, failed, left=passed, color=_COLOURS["failed"], label="failed")
    axes.invert_yaxis()
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title("Cases passed and failed", fontsize=10)
    figure.tight_layout()
    return figure


def _seconds_plot(figure: Figure, report: Mapping[str, Any]) -> Figure:
    timings = report["timings"]
    names = ["set-up", *timings["seconds"]]
    seconds = [timings["setup_seconds"], *timings["seconds"].values()]
    axes = figure.subplots()
    axes.barh(names, seconds, color=_COLOURS["candidate"])
    axes.invert_yaxis()
    axes.set_xlabel("seconds", fontsize=8)
    axes.set_title("Time per case kind", fontsize=10)
    figure.tight_layout()
    return figure
