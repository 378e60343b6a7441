"""``edge-agent eval``: run an evaluation suite on a candidate release and
write its report (``report.json``, and ``report.html`` with the eval extra)."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from edge_agent import exit_codes
from edge_agent.cli.model_options import model_options
from edge_agent.cli.state import CliState, pass_state
from edge_agent.config import EdgeSettings
from edge_agent.errors import BaselineInvalid, CandidateInvalid, SuiteInvalid
from edge_agent.evaluation import (
    CASE_KINDS,
    CandidateSpec,
    Progress,
    Suite,
    build_report,
    compare,
    demo_suite_path,
    load_suite,
    prepare_candidate,
    read_baseline,
    run_suite,
    write_report_json,
)
from edge_agent.evaluation.report import HEADLINE_FIGURES

NEEDS_MODEL = frozenset({"question", "injection"})
"""Kinds whose turns may call the model; only they wait for it to load."""


CENTRE = "centre"
"""``--suite centre``: the suite published at the centre."""


@click.command("eval")
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(),
    help="A suite folder or its suite.json, or 'centre': the newest suite "
    "published at the centre this device is enrolled with (fetched into the "
    "home; offline, the last one fetched). Default: the demo fleet's suite.",
)
@click.option(
    "--suite-version",
    type=click.IntRange(1),
    help="With --suite centre: this version of the centre's suite.",
)
@click.option(
    "--kb",
    type=click.Path(path_type=Path),
    help="The candidate's knowledge base: a folder of documents (ingested into "
    "a throw-away knowledge.db) or a knowledge.db (copied). Default: the demo "
    "fleet.",
)
@click.option(
    "--policy",
    "policy_bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The candidate's signed policy bundle (default: the shipped one).",
)
@model_options
@click.option(
    "--kinds",
    default=",".join(CASE_KINDS),
    show_default=True,
    help="The case kinds to run, separated by commas.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-report"),
    show_default=True,
    help="Folder for report.json and report.html.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report.json of the release in the field, to compare with.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--upload",
    is_flag=True,
    help="Send report.json to the centre, signed by this (enrolled) device, "
    "for the release gate.",
)
@pass_state
def eval_command(
    state: CliState,
    suite_path: str | None,
    suite_version: int | None,
    kb: Path | None,
    policy_bundle: Path | None,
    model_path: Path | None,
    no_model: bool,
    kinds: str,
    out: Path,
    baseline: Path | None,
    as_json: bool,
    upload: bool,
) -> None:
    """Evaluate a candidate release (knowledge base, policy, model) with this
    device's own code, case by case, and write a report.

    Exit codes: 0 when the run completed, whatever the figures; 4 for a
    suite that cannot be used; 5 for a candidate that cannot be evaluated;
    1 when --upload could not send the report (it stays in --out).
    """
    chosen = _kinds(kinds)
    before = _baseline(baseline)
    settings = state.settings()
    suite, centre_version = _chosen_suite(settings, suite_path, suite_version)
    spec = CandidateSpec(kb, policy_bundle, model_path, no_model)
    with tempfile.TemporaryDirectory(prefix="edge-eval-") as temporary:
        work = Path(temporary)
        _say(
            f"candidate: installing it on a throw-away home ({len(suite.cases)} cases)"
        )
        started = time.perf_counter()
        try:
            candidate = prepare_candidate(
                spec,
                settings,
                work / "candidate",
                jobs=suite.jobs,
                load_model=bool(NEEDS_MODEL & set(chosen)),
            )
        except CandidateInvalid as exc:
            _fail(exc.message, exit_codes.CANDIDATE_INVALID)
        setup = time.perf_counter() - started
        _say(f"candidate: ready in {setup:.2f} s")
        run = run_suite(
            suite,
            candidate,
            work,
            kinds=chosen,
            progress=_print_progress,
            setup_seconds=setup,
        )
    report = build_report(
        run,
        suite,
        candidate.identity,
        candidate.settings,
        created_at=datetime.now(UTC),
        centre_version=centre_version,
    )
    if before is not None:
        report["comparison"] = compare(report, before)
    written = _write(report, out)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_summary(report))
    if upload:
        from edge_agent.cli.upload import receipt_text
        from edge_agent.depot.report_upload import upload_report

        _say(receipt_text(upload_report(settings, written)))


def _kinds(text: str) -> list[str]:
    chosen = [kind.strip() for kind in text.split(",") if kind.strip()]
    unknown = [kind for kind in chosen if kind not in CASE_KINDS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"choose among {', '.join(CASE_KINDS)} (got {text!r}).",
            param_hint="--kinds",
        )
    return chosen


def _baseline(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return read_baseline(path)
    except BaselineInvalid as exc:
        raise click.BadParameter(exc.message, param_hint="--baseline") from exc


def _chosen_suite(
    settings: EdgeSettings, given: str | None, version: int | None
) -> tuple[Suite, int | None]:
    """The suite to run, and its version at the centre when it came from there."""
    if given != CENTRE and version is not None:
        raise click.BadParameter(
            "goes with --suite centre (a folder has no version at the centre).",
            param_hint="--suite-version",
        )
    if given != CENTRE:
        return _suite(Path(given) if given else demo_suite_path()), None
    from edge_agent.depot.suite_fetch import centre_suite

    fetched = centre_suite(settings, version=version)
    _say(fetched.summary())
    return _suite(fetched.folder), fetched.version


def _suite(path: Path) -> Suite:
    try:
        return load_suite(path)
    except SuiteInvalid as exc:
        _fail(f"the suite cannot be used: {exc.message}", exit_codes.SUITE_INVALID)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(code)


def _say(message: str) -> None:
    click.echo(message, err=True)


def _print_progress(progress: Progress) -> None:
    if progress.result is None:
        _say(f"{progress.kind}: {progress.cases} cases …")
        return
    result = progress.result
    each = result.seconds / progress.cases
    _say(
        f"{progress.kind}: {result.passed}/{progress.cases} passed"
        f"{_figures(progress.kind, result.figures)}; {result.seconds:.2f} s "
        f"({each:.3f} s a case)"
    )
    for notice in result.notices:
        _say(f"  {notice}")
    sys.stderr.flush()


def _figures(kind: str, figures: Mapping[str, Any]) -> str:
    shown = [
        f"{figure.label} {_value(figures.get(figure.name))}"
        for figure in HEADLINE_FIGURES.get(kind, ())
    ]
    return f", {', '.join(shown)}" if shown else ""


def _value(value: object) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _write(report: dict[str, Any], out: Path) -> Path:
    from edge_agent.evaluation.html_report import HtmlUnavailable, write_html

    written = write_report_json(report, out)
    _say(f"wrote {written}")
    try:
        _say(f"wrote {write_html(report, out)}")
    except HtmlUnavailable as exc:
        _say(f"note: {exc.message}")
    return written


def render_summary(report: Mapping[str, Any]) -> str:
    """What the run found, per kind, with the time each kind took."""
    candidate, suite, timings = report["candidate"], report["suite"], report["timings"]
    centre = suite.get("centre_version")
    lines = [
        f"Suite {suite['name']} v{suite['version']}"
        f"{f' (centre v{centre})' if centre else ''}; app {candidate['app_version']}, "
        f"model {candidate['model']['file'] or 'none'}, policy v"
        f"{candidate['policy']['version']}, KB v{candidate['kb']['version']} "
        f"({candidate['kb']['content_sha256'][:12]})",
    ]
    for kind, figures in report["figures"].items():
        seconds = timings["seconds"][kind]
        lines.append(
            f"  {kind:<10} {figures['passed']}/{figures['cases']} passed"
            f"{_figures(kind, figures)}; {seconds:.2f} s"
        )
    lines.append(
        f"  set-up {timings['setup_seconds']:.2f} s; "
        f"total {timings['total_seconds']:.2f} s"
    )
    comparison = report.get("comparison")
    if comparison:
        lines += _comparison_lines(comparison)
    return "\n".join(lines)


def _comparison_lines(comparison: Mapping[str, Any]) -> list[str]:
    lines = ["Against the baseline:"]
    if not comparison["same_suite"]:
        lines.append("  the baseline ran another suite: figures compare less well")
    lines += [
        f"  {row['kind']} {row['label']}: {_value(row['baseline'])} -> "
        f"{_value(row['candidate'])} ({row['verdict']})"
        for row in comparison["figures"]
        if row["verdict"] in ("better", "worse")
    ]
    for key, title in (("new_failures", "new failures"), ("fixed", "fixed")):
        cases = comparison[key]
        names = ", ".join(case["id"] for case in cases) or "none"
        lines.append(f"  {title} ({len(cases)}): {names}")
    return lines
