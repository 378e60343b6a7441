"""``edge-governance`` commands for supervisors: review, publishing, the report.

edge-governance review list [--device D] [--json]
edge-governance review approve KEY [--device D] [--reason TEXT]
edge-governance review reject KEY --reason TEXT [--device D]
edge-governance policy publish FILE|DIR [--key K] [--expires-in 30d] [--version N]
edge-governance kb publish PATH [--key K]
edge-governance report [--technician T] [--since ISO] [--json]
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from policies import TrustedKeys
from sync.server.cli.context import (
    parse_duration,
    parse_moment,
    signing_key,
    state,
)
from sync.server.clock import utc_now
from sync.server.publishing import Publisher
from sync.server.report import build_report, render
from sync.server.review import Review


@click.group("review")
def review_group() -> None:
    """The queue of quarantined actions."""


@review_group.command("list")
@click.option("--device", "device_id", help="Only this device's actions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review_list(ctx: click.Context, device_id: str | None, as_json: bool) -> None:
    """List quarantined actions, oldest first."""
    with state(ctx).storage() as storage:
        items = Review(storage, clock=utc_now).pending(device_id=device_id)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "device_id": i.device_id,
                        "technician_id": i.technician_id,
                        "key": i.key,
                        "seq": i.seq,
                        "tool": i.tool,
                        "payload": dict(i.payload),
                        "reason": i.reason,
                        "device_outcome": i.device_outcome,
                        "centre_outcome": i.centre_outcome,
                        "received_at": i.received_at.isoformat(),
                    }
                    for i in items
                ],
                indent=2,
            )
        )
        return
    if not items:
        click.echo("Nothing waits for review.", err=True)
    for i in items:
        click.echo(
            f"{i.key}  {i.device_id} #{i.seq}  {i.technician_id}  {i.tool} "
            f"{json.dumps(dict(i.payload.get('args', {})), sort_keys=True)}\n"
            f"    {i.reason}"
        )


@review_group.command("approve")
@click.argument("key")
@click.option("--device", "device_id", help="The device, if the key is ambiguous.")
@click.option("--reason", default="", help="Why (kept in the record).")
@click.pass_context
def approve(ctx: click.Context, key: str, device_id: str | None, reason: str) -> None:
    """Approve a quarantined action: it is applied."""
    cli = state(ctx)
    with cli.storage() as storage:
        Review(storage, clock=utc_now).approve(
            key, supervisor=cli.actor, reason=reason, device_id=device_id
        )
    click.echo(f"Approved {key}; the device sees it on its next pull.")


@review_group.command("reject")
@click.argument("key")
@click.option("--reason", required=True, help="Shown to the technician.")
@click.option("--device", "device_id", help="The device, if the key is ambiguous.")
@click.pass_context
def reject(ctx: click.Context, key: str, reason: str, device_id: str | None) -> None:
    """Reject a quarantined action, with the reason the technician reads."""
    cli = state(ctx)
    with cli.storage() as storage:
        Review(storage, clock=utc_now).reject(
            key, supervisor=cli.actor, reason=reason, device_id=device_id
        )
    click.echo(f"Rejected {key}; the device sees it on its next pull.")


@click.command("publish")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--expires-in", default="30d", show_default=True, help="For a DIR.")
@click.option(
    "--version", type=click.IntRange(min=1), help="For a DIR (default: next)."
)
@click.pass_context
def publish_policy(
    ctx: click.Context,
    source: Path,
    key_path: Path | None,
    expires_in: str,
    version: int | None,
) -> None:
    """Publish a signed bundle FILE, or sign and publish the policy sources in DIR."""
    cli = state(ctx)
    key = signing_key(key_path, cli)
    with cli.storage() as storage:
        publisher = Publisher(storage, clock=utc_now)
        if source.is_dir():
            published = publisher.publish_policy_dir(
                source,
                key,
                expires_in=parse_duration(expires_in),
                actor=cli.actor,
                version=version,
            )
        else:
            published = publisher.publish_bundle(
                source.read_bytes(), TrustedKeys.of(key.public_key), actor=cli.actor
            )
    click.echo(f"Published policy version {published}; devices get it on next pull.")


@click.group("kb")
def kb_group() -> None:
    """Knowledge-base versions for devices."""


@kb_group.command("publish")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def publish_kb(ctx: click.Context, path: Path, key_path: Path | None) -> None:
    """Sign and publish the documents at PATH as the next KB version."""
    cli = state(ctx)
    key = signing_key(key_path, cli)
    with cli.storage() as storage:
        version = Publisher(storage, clock=utc_now).publish_kb(
            path, key, actor=cli.actor
        )
    click.echo(f"Published KB version {version}; devices get it on their next pull.")


@click.command("report")
@click.option("--technician", help="Only this technician.")
@click.option("--since", help="Only actions received since (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def report(
    ctx: click.Context, technician: str | None, since: str | None, as_json: bool
) -> None:
    """Reconciliation report per technician and shift."""
    moment = parse_moment(since, "--since") if since else None
    with state(ctx).storage() as storage:
        reports = build_report(storage, technician_id=technician, since=moment)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        click.echo(render(reports))
