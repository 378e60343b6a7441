"""``edge-governance`` commands for supervisors: review, policy publishing, the
report.

edge-governance review list [filters] [--limit N] [--json]
    filters: [--device D] [--technician T] [--tool X] [--because TEXT]
             [--older-than 24h]
edge-governance review show ID [--device D] [--json]
edge-governance review approve ID... | --all [filters] [--reason TEXT] [--yes]
edge-governance review reject ID... | --all [filters] --reason TEXT [--yes]
edge-governance policy publish FILE|DIR [--expires-in 30d] [--version N]
edge-governance report [--technician T] [--since ISO] [--until ISO] [--json]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from sync.server.cli.context import (
    parse_duration,
    parse_moment,
    state,
)
from sync.server.cli.review_views import (
    arguments_text,
    detail_json,
    item_json,
    render_detail,
)
from sync.server.clock import utc_now
from sync.server.publishing import Publisher
from sync.server.records import ReviewFilter
from sync.server.report import build_report, render
from sync.server.review import Review, Verdict

SHORT_ID_SHOWN = 8
"""Characters of a key the queue shows; any unique start of it names the action."""


def _filters(command: Callable[..., None]) -> Callable[..., None]:
    """--device, --technician, --tool, --because and --older-than: which
    actions are meant."""
    command = click.option(
        "--older-than",
        help="Only those received at least this long ago (90m, 24h, 2d).",
    )(command)
    command = click.option(
        "--because", "reason_text", help="Only those whose reason holds this text."
    )(command)
    command = click.option("--tool", help="Only calls of this tool.")(command)
    command = click.option("--technician", help="Only this technician's actions.")(
        command
    )
    return click.option("--device", "device_id", help="Only this device's actions.")(
        command
    )


def _selection(
    device_id: str | None,
    technician: str | None,
    tool: str | None,
    reason_text: str | None,
    older_than: str | None,
) -> ReviewFilter:
    age = parse_duration(older_than) if older_than else None
    return ReviewFilter(device_id, technician, tool, reason_text, age)


@click.group("review")
def review_group() -> None:
    """The queue of quarantined actions."""


@review_group.command("list")
@_filters
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Only the oldest N (default: every one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review_list(
    ctx: click.Context, /, limit: int | None, as_json: bool, **filters: str | None
) -> None:
    """List quarantined actions, oldest first, with their short ids."""
    with state(ctx).storage() as storage:
        items = Review(storage, clock=utc_now).each_pending(
            _selection(**filters), limit=limit
        )
        if as_json:
            click.echo(json.dumps([item_json(i) for i in items], indent=2))
            return
        listed = 0
        for i in items:
            listed += 1
            click.echo(
                f"{i.key[:SHORT_ID_SHOWN]}  {i.device_id} #{i.seq}  "
                f"{i.technician_id}  {i.tool} {arguments_text(i)}"
                f"\n    {i.reason}"
            )
    if not listed:
        click.echo("Nothing waits for review.", err=True)


@review_group.command("show")
@click.argument("action_id")
@click.option("--device", "device_id", help="The device, if the id is ambiguous.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review_show(
    ctx: click.Context, action_id: str, device_id: str | None, as_json: bool
) -> None:
    """One action: payload, evidence, and both decisions side by side."""
    with state(ctx).storage() as storage:
        found = Review(storage, clock=utc_now).show(action_id, device_id=device_id)
    if as_json:
        click.echo(json.dumps(detail_json(found), indent=2, ensure_ascii=False))
    else:
        click.echo(render_detail(found))


def _many(command: Callable[..., None]) -> Callable[..., None]:
    """ACTION_IDS..., or --all with the filters, and --yes for scripts."""
    command = click.option(
        "--yes", is_flag=True, help="Do not ask before deciding many at once."
    )(command)
    command = click.option(
        "--all", "everything", is_flag=True, help="Every action the filters select."
    )(command)
    return click.argument("action_ids", nargs=-1)(_filters(command))


@review_group.command("approve")
@_many
@click.option("--reason", default="", help="Why (kept in the record).")
@click.pass_context
def approve(
    ctx: click.Context,
    /,
    action_ids: tuple[str, ...],
    everything: bool,
    reason: str,
    yes: bool,
    **filters: str | None,
) -> None:
    """Approve quarantined actions (by id, or --all with filters): applied."""
    _decide(ctx, "applied", action_ids, everything, reason, yes, filters)


@review_group.command("reject")
@_many
@click.option("--reason", required=True, help="Shown to the technician.")
@click.pass_context
def reject(
    ctx: click.Context,
    /,
    action_ids: tuple[str, ...],
    everything: bool,
    reason: str,
    yes: bool,
    **filters: str | None,
) -> None:
    """Reject quarantined actions (by id, or --all with filters), with the
    reason the technician reads."""
    _decide(ctx, "rejected", action_ids, everything, reason, yes, filters)


def _decide(
    ctx: click.Context,
    verdict: Verdict,
    action_ids: tuple[str, ...],
    everything: bool,
    reason: str,
    yes: bool,
    filters: dict[str, str | None],
) -> None:
    if bool(action_ids) == everything:
        raise click.UsageError("Name the actions by id, or give --all with filters.")
    cli = state(ctx)
    done = "Approved" if verdict == "applied" else "Rejected"
    with cli.storage() as storage:
        review = Review(storage, clock=utc_now)
        if everything:
            _decide_all(review, verdict, _selection(**filters), cli.actor, reason, yes)
            return
        for action_id in action_ids:
            decide = review.approve if verdict == "applied" else review.reject
            result = decide(
                action_id,
                supervisor=cli.actor,
                reason=reason,
                device_id=filters["device_id"],
            )
            click.echo(f"{done} {result.key}; the device sees it on its next pull.")


def _decide_all(
    review: Review,
    verdict: Verdict,
    selection: ReviewFilter,
    supervisor: str,
    reason: str,
    yes: bool,
) -> None:
    count = review.count(selection)
    ask, done = (
        ("Approve", "Approved") if verdict == "applied" else ("Reject", "Rejected")
    )
    if count == 0:
        click.echo("No quarantined action matches.", err=True)
        return
    matched = f"{count} quarantined action(s) match."
    if not yes and not sys.stdin.isatty():
        raise click.UsageError(f"{matched} Add --yes to {ask.lower()} them all.")
    if not yes and not click.confirm(f"{matched} {ask} all {count}?", err=True):
        raise click.Abort()
    outcome = review.resolve_all(
        selection, verdict, supervisor=supervisor, reason=reason, expected=count
    )
    click.echo(
        f"{done} {len(outcome.resolved)} of {count} action(s)"
        + (
            f"; {len(outcome.skipped)} left the queue meanwhile"
            if outcome.skipped
            else ""
        )
        + ". Devices see them on their next pull."
    )


@click.command("publish")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--expires-in", default="30d", show_default=True, help="For a DIR.")
@click.option(
    "--version", type=click.IntRange(min=1), help="For a DIR (default: next)."
)
@click.pass_context
def publish_policy(
    ctx: click.Context, source: Path, expires_in: str, version: int | None
) -> None:
    """Sign the policy sources in DIR with the centre's key and publish them,
    or publish a bundle FILE signed with a key of the centre's key set."""
    cli = state(ctx)
    with cli.storage() as storage:
        publisher = Publisher(storage, cli.keys(), clock=utc_now)
        if source.is_dir():
            published = publisher.publish_policy_dir(
                source,
                expires_in=parse_duration(expires_in),
                actor=cli.actor,
                version=version,
            )
        else:
            published = publisher.publish_bundle(source.read_bytes(), actor=cli.actor)
    click.echo(
        f"Published policy version {published}; devices get it on their next sync."
    )


@click.command("report")
@click.option("--technician", help="Only this technician.")
@click.option("--since", help="Only actions received since (ISO 8601).")
@click.option("--until", help="Only actions received before (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def report(
    ctx: click.Context,
    technician: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """Reconciliation report per technician and shift."""
    moment = parse_moment(since, "--since") if since else None
    end = parse_moment(until, "--until") if until else None
    with state(ctx).storage() as storage:
        reports = build_report(
            storage, technician_id=technician, since=moment, until=end
        )
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        click.echo(render(reports))
