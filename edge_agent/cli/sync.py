"""``edge-agent enroll`` and ``edge-agent sync``: talk to the central service.

``sync`` pushes every queued action, then pulls results, policy, knowledge
base, jobs and kill switches, and applies them. No centre reachable is not a
failure: it prints ``offline: N queued, last sync at T`` and exits 0. A device
the centre does not accept exits 1 with what to do. A damaged knowledge base
does not stop the actions: the centre's replaces it, and if none could, the
sync says so and exits 5.
"""

from __future__ import annotations

import json
import socket
import time

import click

from edge_agent import exit_codes
from edge_agent.cli.state import CliState, pass_state
from edge_agent.clock import utc_now
from edge_agent.depot.centre_connection import is_http_address
from edge_agent.depot.enrolment import enroll_at
from edge_agent.depot.sync_run import render_summary, run_sync
from sync import Progress, normalized_fingerprint


def _http_address(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    if value is not None and not is_http_address(value):
        raise click.BadParameter(f"{value!r} is not an http:// or https:// address")
    return value


def _fingerprint(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> str | None:
    try:
        return None if value is None else normalized_fingerprint(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command()
@click.option(
    "--server",
    required=True,
    callback=_http_address,
    help="The central service's address.",
)
@click.option("--token", required=True, help="The single-use token from the depot.")
@click.option(
    "--pin",
    callback=_fingerprint,
    metavar="SHA256",
    help="The centre's certificate fingerprint, as the depot's serve prints it.",
)
@click.option("--name", "device_name", help="Device name (default: computer name).")
@pass_state
def enroll(
    state: CliState,
    server: str,
    token: str,
    pin: str | None,
    device_name: str | None,
) -> None:
    """Enrol this device with the central service, once, with a depot token.

    A token is single-use and expires; one issued for a technician enrols
    only a device whose technician_id (config.toml or EDGE_AGENT_TECHNICIAN_ID)
    is that technician. A refused enrolment prints the centre's reason.

    Over https the centre's certificate is pinned: the one --pin names (a
    depot's self-signed certificate needs it), else the one met, verified
    by the certificate authorities. Later syncs refuse any other.
    """
    credentials = enroll_at(
        state.settings(),
        server,
        token=token,
        device_name=device_name or socket.gethostname() or "edge device",
        pin=pin,
        clock=utc_now,
    )
    click.echo(
        f"Enrolled as device {credentials.device_id} with {credentials.server_url}. "
        "The credentials are stored in the home folder, readable only by you."
    )
    if credentials.centre_certificate is not None:
        click.echo(
            "The centre's certificate is pinned (SHA-256 "
            f"{credentials.centre_certificate}); a sync refuses any other."
        )


@click.command("sync")
@click.option(
    "--server",
    callback=_http_address,
    help="The central service's address (default: enrolment).",
)
@click.option(
    "--pin",
    callback=_fingerprint,
    metavar="SHA256",
    help="The centre's new certificate fingerprint, from the supervisor.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_state
def sync_command(
    state: CliState, server: str | None, pin: str | None, as_json: bool
) -> None:
    """Send queued actions to the centre, then fetch results, policy, KB and jobs.

    Exits 0 when everything was taken (or no centre was in reach), 3 when the
    device refused an update the centre sent, 5 when the knowledge base is
    damaged and no knowledge base from the centre replaced it. After the depot
    changed its TLS certificate, --pin with the new fingerprint (edge-governance
    serve prints it) trusts that one from then on.
    """
    summary = run_sync(
        state.settings(),
        server=server,
        pin=pin,
        progress=_ignore if as_json else _echo_progress,
        sleep=time.sleep,
    )
    if summary.get("sync_state_reset"):
        click.echo(f"warning: {summary['sync_state_reset']}", err=True)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(render_summary(summary))
    refused = [p for p in summary.get("parts", ()) if p["status"] == "refused"]
    for part in refused:
        click.echo(f"Update refused: {part['message']}", err=True)
    problem = summary.get("kb_problem")
    if problem:
        click.echo(f"Knowledge base: {problem['message']}", err=True)
    if problem and problem["kind"] == "damaged":
        raise click.exceptions.Exit(exit_codes.DAMAGED)
    if refused:
        raise click.exceptions.Exit(exit_codes.UPDATE_REFUSED)


def _echo_progress(progress: Progress) -> None:
    count = f" ({progress.sent}/{progress.total})" if progress.total else ""
    click.echo(f"... {progress.message}{count}")


def _ignore(progress: Progress) -> None:
    """No progress lines when the output is JSON."""
