"""``edge-governance suite``: evaluation suites, versioned at the centre.

edge-governance suite publish DIR [--note TEXT]
edge-governance suite list [--json]
edge-governance suite show [VERSION] [--json]
edge-governance suite export [VERSION] --out DIR
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from sync.server.cli.context import state
from sync.server.clock import utc_now
from sync.server.gate import KINDS
from sync.server.storage.suites import PublishedSuite
from sync.server.suites import Suites

SHORT = 12


@click.group("suite")
def suite_group() -> None:
    """Evaluation suites: published here, fetched by depots (edge-agent eval
    --suite centre), named by the reports the release gate judges."""


@suite_group.command("publish")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--note", default="", help="What changed, kept with the suite.")
@click.pass_context
def publish(ctx: click.Context, folder: Path, note: str) -> None:
    """Check the suite in FOLDER (its suite.json and the files it names) and
    publish it under the next version."""
    cli = state(ctx)
    with cli.storage() as storage:
        done = Suites(storage, clock=utc_now).publish(
            folder, note=note, actor=cli.actor
        )
    suite = done.suite
    click.echo(
        f"Published evaluation suite v{suite.version}: {suite.name} "
        f"(suite_version {suite.suite_version}; {_cases(suite)}; sha256 "
        f"{suite.sha256[:SHORT]})."
    )
    if done.left_out:
        more = " ..." if len(done.left_out) > 10 else ""
        click.echo(
            f"Left out {len(done.left_out)} file(s) no case names: "
            f"{', '.join(done.left_out[:10])}{more}",
            err=True,
        )


@suite_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_suites(ctx: click.Context, as_json: bool) -> None:
    """Every published suite, newest first."""
    with state(ctx).storage() as storage:
        found = Suites(storage, clock=utc_now).listing()
    if as_json:
        click.echo(json.dumps([suite_json(s) for s in found], indent=2))
        return
    if not found:
        click.echo(
            "No evaluation suite is published yet (edge-governance suite publish DIR).",
            err=True,
        )
    for suite in found:
        click.echo(
            f"v{suite.version}  {_moment(suite)}  {suite.published_by}  "
            f"{suite.name}: {_cases(suite)}  {suite.sha256[:SHORT]}"
            f"{'  ' + suite.note if suite.note else ''}"
        )


@suite_group.command("show")
@click.argument("version", type=click.IntRange(1), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, version: int | None, as_json: bool) -> None:
    """A published suite (default: the newest): its cases per kind, hashes,
    note, who published it and when."""
    with state(ctx).storage() as storage:
        suite = Suites(storage, clock=utc_now).find(version)
    if as_json:
        click.echo(json.dumps(suite_json(suite), indent=2))
        return
    lines = [
        f"Evaluation suite v{suite.version}: {suite.name} "
        f"(suite_version {suite.suite_version})",
        f"  published {_moment(suite)} by {suite.published_by}",
        f"  cases: {_cases(suite)}",
        f"  sha256 {suite.sha256} (as reports name it)",
        f"  archive sha256 {suite.archive_sha256} ({suite.size} bytes)",
    ]
    if suite.note:
        lines.append(f"  note: {suite.note}")
    click.echo("\n".join(lines))


@suite_group.command("export")
@click.argument("version", type=click.IntRange(1), required=False)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="A new (or empty) folder for the suite's files.",
)
@click.pass_context
def export(ctx: click.Context, version: int | None, out: Path) -> None:
    """Write a published suite's files (default: the newest) into a folder,
    to read, edit and publish again."""
    with state(ctx).storage() as storage:
        suite = Suites(storage, clock=utc_now).export(version, out)
    click.echo(f"Wrote evaluation suite v{suite.version} ({_cases(suite)}) to {out}.")


def suite_json(suite: PublishedSuite) -> dict[str, Any]:
    return {
        "version": suite.version,
        "name": suite.name,
        "suite_version": suite.suite_version,
        "sha256": suite.sha256,
        "archive_sha256": suite.archive_sha256,
        "size": suite.size,
        "cases": dict(suite.cases),
        "note": suite.note,
        "published_at": suite.published_at.isoformat(timespec="seconds"),
        "published_by": suite.published_by,
    }


def _cases(suite: PublishedSuite) -> str:
    total = sum(suite.cases.values())
    kinds = ", ".join(
        f"{suite.cases[kind]} {kind}" for kind in KINDS if kind in suite.cases
    )
    return f"{total} cases ({kinds})"


def _moment(suite: PublishedSuite) -> str:
    return suite.published_at.strftime("%Y-%m-%d %H:%M UTC")
