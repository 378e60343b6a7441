"""``edge-governance`` commands for the knowledge base devices take.

edge-governance kb publish PATH
edge-governance kb withdraw DOCUMENT --reason TEXT [--revision R]
edge-governance kb withdrawals [--json]
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from sync.server.cli.context import state
from sync.server.clock import utc_now
from sync.server.publishing import Publisher
from sync.server.storage.kb_withdrawals import StoredWithdrawal
from sync.server.withdrawing import Withdrawer


@click.group("kb")
def kb_group() -> None:
    """Knowledge-base versions for devices, and what was withdrawn from them."""


@kb_group.command("publish")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.pass_context
def publish_kb(ctx: click.Context, path: Path) -> None:
    """Sign the documents at PATH with the centre's key and publish them as
    the next KB version."""
    cli = state(ctx)
    with cli.storage() as storage:
        published = Publisher(storage, cli.keys(), clock=utc_now).publish_kb(
            path, actor=cli.actor
        )
    if published.skipped:
        click.echo(
            f"Left out {len(published.skipped)} file(s) devices do not take in a "
            f"KB: {', '.join(published.skipped)}.",
            err=True,
        )
    click.echo(
        f"Published KB version {published.version} ({published.files} file(s)); "
        "devices get it on their next sync."
    )


@kb_group.command("withdraw")
@click.argument("document")
@click.option("--reason", required=True, help="Why: shown with every action held.")
@click.option(
    "--revision",
    help="Only this revision (6 or more hex digits): a corrected document's old text.",
)
@click.pass_context
def withdraw(
    ctx: click.Context, document: str, reason: str, revision: str | None
) -> None:
    """Withdraw DOCUMENT (its name in the KB, folder included): the next KB
    version is published without it, devices drop it from search at their next
    sync, and actions citing it are held for review. With --revision, only
    that old revision is withdrawn: actions citing it are held for review."""
    cli = state(ctx)
    with cli.storage() as storage:
        withdrawer = Withdrawer(storage, cli.keys(), clock=utc_now)
        if revision is None:
            done = withdrawer.withdraw_document(
                document, reason=reason, actor=cli.actor
            )
            click.echo(
                f"Withdrew {document}: published KB version {done.kb_version} "
                "without it; devices drop it at their next sync, and actions "
                "citing it are held for review."
            )
            return
        done = withdrawer.withdraw_revision(
            document, revision, reason=reason, actor=cli.actor
        )
    click.echo(
        f"Withdrew revision {done.revision} of {document} (first published in KB "
        f"v{done.first_seen}); actions citing it are held for review."
    )


@kb_group.command("withdrawals")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_withdrawals(ctx: click.Context, as_json: bool) -> None:
    """Every document and revision withdrawn, oldest first, with why."""
    cli = state(ctx)
    with cli.storage() as storage:
        found = Withdrawer(storage, cli.keys(), clock=utc_now).withdrawals()
    if as_json:
        click.echo(json.dumps([withdrawal_json(w) for w in found], indent=2))
        return
    if not found:
        click.echo("Nothing has been withdrawn from the knowledge base.")
        return
    for item in found:
        click.echo(withdrawal_line(item))


def withdrawal_json(item: StoredWithdrawal) -> dict[str, object]:
    return {
        "document": item.document,
        "revision": item.revision,
        "kb_version": item.kb_version,
        "reason": item.reason,
        "withdrawn_at": item.withdrawn_at.isoformat(),
        "withdrawn_by": item.withdrawn_by,
    }


def withdrawal_line(item: StoredWithdrawal) -> str:
    what = (
        f"{item.document} revision {item.revision}"
        if item.revision
        else f"{item.document} (KB v{item.kb_version} without it)"
    )
    return (
        f"{item.withdrawn_at:%Y-%m-%d %H:%M} {item.withdrawn_by}: {what}: {item.reason}"
    )
