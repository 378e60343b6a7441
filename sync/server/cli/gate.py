"""``edge-governance release reports`` and ``release gate``: the evaluation
reports devices uploaded, and the thresholds a new release must pass.

edge-governance release reports [--limit N] [--json]
edge-governance release gate show [--json]
edge-governance release gate set KEY VALUE
"""

from __future__ import annotations

import json
from typing import Any

import click

from sync.server.cli.context import state
from sync.server.cli.release_views import moment, override_json, override_line
from sync.server.gate import SHORT, GateConfig
from sync.server.gate_config import gate_path, load_gate, set_gate_value
from sync.server.releases.reports import ListedReport, ReportListing, report_listing


@click.command("reports")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def reports(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Evaluation reports uploaded by devices, newest first, each judged
    against the gate as it stands."""
    cli = state(ctx)
    gate = load_gate(cli.settings().data_dir)
    with cli.storage() as storage:
        listing = report_listing(storage, gate, limit=limit)
    if as_json:
        click.echo(json.dumps(listing_json(listing), indent=2))
        return
    if not listing.reports:
        click.echo(
            "No evaluation report has been uploaded yet (edge-agent eval --upload).",
            err=True,
        )
    for line in listing_lines(listing):
        click.echo(line)


@click.group("gate")
def gate_group() -> None:
    """The thresholds a new release's evaluation report must pass."""


@gate_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Every threshold in force, and where it comes from."""
    data_dir = state(ctx).settings().data_dir
    gate = load_gate(data_dir)
    if as_json:
        click.echo(json.dumps(gate.as_dict(), indent=2))
        return
    click.echo(f"The release gate ({gate_path(data_dir)}; defaults where not set):")
    for line in gate_lines(gate):
        click.echo(line)


@gate_group.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_context
def set_value(ctx: click.Context, key: str, value: str) -> None:
    """Set one threshold (kinds: a list separated by commas)."""
    data_dir = state(ctx).settings().data_dir
    gate = set_gate_value(data_dir, key, value)
    shown = gate.as_dict()[key]
    click.echo(f"Gate: {key} = {_value(shown)} (in {gate_path(data_dir)}).")


def gate_lines(gate: GateConfig) -> list[str]:
    defaults = GateConfig().as_dict()
    return [
        f"  {key} = {_value(value)}"
        f"{'' if value == defaults[key] else ' (set here)'}  "
        f"# {GateConfig.describe(key)}"
        for key, value in gate.as_dict().items()
    ]


def listing_lines(listing: ReportListing) -> list[str]:
    lines = [override_line(listing.override)] if listing.override else []
    for item in listing.reports:
        lines += report_lines(item)
    return lines


def report_lines(item: ListedReport) -> list[str]:
    stored, report = item.stored, item.stored.report
    candidate = report.candidate
    verdict = "PASSES" if item.verdict.passed else "FAILS"
    releases = f"  release {', '.join(item.releases)}" if item.releases else ""
    lines = [
        f"{stored.report_id:>4}  {moment(stored.uploaded_at)}  from "
        f"{stored.device_id} ({stored.technician_id})  suite {report.suite.name} "
        f"v{report.suite.version}  {verdict} the gate{releases}",
        f"      model {candidate.model.file or 'none'} "
        f"({candidate.model.sha256[:SHORT]})  policy v{candidate.policy.version} "
        f"({candidate.policy.content_sha256[:SHORT]})  KB v{candidate.kb.version} "
        f"({candidate.kb.content_sha256[:SHORT]})  app {candidate.app_version}  "
        f"sha256 {stored.sha256[:SHORT]}",
    ]
    lines += [f"      fails: {failure}" for failure in item.verdict.failures]
    return lines


def listing_json(listing: ReportListing) -> dict[str, Any]:
    return {
        "override_in_force": override_json(listing.override),
        "reports": [
            {
                "report_id": item.stored.report_id,
                "sha256": item.stored.sha256,
                "device_id": item.stored.device_id,
                "technician_id": item.stored.technician_id,
                "uploaded_at": item.stored.uploaded_at.isoformat(),
                "created_at": item.stored.report.created_at,
                "candidate": item.stored.report.candidate.model_dump(),
                "suite": item.stored.report.suite.model_dump(),
                "passes_gate": item.verdict.passed,
                "failures": list(item.verdict.failures),
                "failing_cases": list(item.verdict.failing_cases),
                "releases": list(item.releases),
            }
            for item in listing.reports
        ],
    }


def _value(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
