"""``edge-governance drift``: how the fleet's answers change, from the turns
devices reported.

edge-governance drift [--since DATE] [--weeks N] [--release NAME] [--json]
                      [--html FILE] [--fail-on-alert]
edge-governance drift unanswered --out FILE [--since DATE] [--weeks N]
                      [--release NAME]
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from sync.server.cli.context import parse_moment, state
from sync.server.cli.drift_views import report_lines
from sync.server.clock import utc_now
from sync.server.drift import (
    DriftReport,
    add_cases,
    drift_report,
    load_thresholds,
    unanswered_cases,
    week_start,
)
from sync.server.errors import PublishRefused

UNANSWERED_SUITE = "Questions from the field that found nothing"


def _window(command: Any) -> Any:
    command = click.option(
        "--release", help="Only the turns of this release (or 'unknown')."
    )(command)
    command = click.option(
        "--weeks",
        default=12,
        show_default=True,
        type=click.IntRange(1, 520),
        help="How many weeks: the last ones, this one included, or from --since.",
    )(command)
    return click.option(
        "--since", help="Turns started from this date (ISO 8601), for --weeks."
    )(command)


@click.group("drift", invoke_without_command=True)
@_window
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--html",
    "page",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as an HTML page with plots.",
)
@click.option(
    "--fail-on-alert", is_flag=True, help="Exit with 1 when an alert is raised."
)
@click.pass_context
def drift_group(
    ctx: click.Context,
    since: str | None,
    weeks: int,
    release: str | None,
    as_json: bool,
    page: Path | None,
    fail_on_alert: bool,
) -> None:
    """Per ISO week and release: routes, what found nothing, dropped model
    sentences, photo confidence and corrections, denials, quarantines,
    disagreements and cost per turn; thresholds in drift.toml raise alerts."""
    if ctx.invoked_subcommand is not None:
        return
    report = _report(ctx, since, weeks, release)
    if page is not None:
        _write_page(report, page)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo("\n".join(report_lines(report)))
        if page is not None:
            click.echo(f"Wrote the page to {page}.")
    if fail_on_alert and report.alerts:
        raise click.ClickException(
            f"{len(report.alerts)} alert(s) raised (--fail-on-alert)."
        )


@drift_group.command("unanswered")
@_window
@click.option(
    "--out",
    "target",
    required=True,
    type=click.Path(path_type=Path),
    help="Suite file (or folder) to add the cases to; made when missing.",
)
@click.pass_context
def unanswered(
    ctx: click.Context,
    since: str | None,
    weeks: int,
    release: str | None,
    target: Path,
) -> None:
    """Write the questions that found nothing as evaluation cases, one per
    group of alike questions, for a supervisor to fill in."""
    report = _report(ctx, since, weeks, release)
    if not report.unanswered:
        click.echo("No question found nothing in this period; nothing was written.")
        return
    written = add_cases(
        target, unanswered_cases(report.unanswered), name=UNANSWERED_SUITE
    )
    click.echo(
        f"Added {len(written.added)} case(s) to {written.file} (suite version "
        f"{written.version}); {len(written.already_there)} were there already."
    )
    click.echo(
        "Each case says in its note how often it was asked and where. Give it "
        "expected_chunks, expected_codes or expected_facts (or must_abstain: "
        "true): edge-agent eval refuses the suite until every case expects "
        "something."
    )


def _report(
    ctx: click.Context, since: str | None, weeks: int, release: str | None
) -> DriftReport:
    if since:
        start = parse_moment(since, "--since")
        until = start + timedelta(weeks=weeks)
    else:
        until = utc_now() + timedelta(seconds=1)
        start = week_start(until) - timedelta(weeks=weeks - 1)
    cli = state(ctx)
    thresholds = load_thresholds(cli.settings().data_dir)
    with cli.storage() as storage:
        return drift_report(
            storage,
            since=start,
            until=until,
            thresholds=thresholds,
            release=release,
        )


def _write_page(report: DriftReport, page: Path) -> None:
    try:
        from sync.server.drift.page import drift_page
        from sync.server.drift.plots import drift_plots

        plots = drift_plots(report)
    except ImportError as exc:
        raise PublishRefused(
            f"The page needs matplotlib ({exc}); install the server extra "
            "(pip install 'edge-field-assistant[server]'). Nothing was written."
        ) from exc
    temporary = page.with_name(f".{page.name}.tmp")
    try:
        temporary.write_text(drift_page(report, plots), encoding="utf-8")
        os.replace(temporary, page)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise PublishRefused(
            f"Cannot write {page} ({exc.strerror or exc}); nothing was written."
        ) from exc
