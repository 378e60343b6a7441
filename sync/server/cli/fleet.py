"""``edge-governance`` commands for devices, jobs, kill switches and the server.

edge-governance serve [--host H] [--port N] [--database-url URL]
                      [--tls-cert FILE --tls-key FILE]
edge-governance device enroll-token [--technician T] [--role R] [--expires-in 24h]
edge-governance device list [--json]
edge-governance device show DEVICE [--json]
edge-governance device revoke DEVICE [--reason TEXT]
edge-governance device handover DEVICE [--technician T] [--expires-in 24h]
edge-governance jobs assign --device D|--technician T FILE.json
edge-governance kill-switch (--device D | --technician T | --tool T | --fleet)
                            on|off [--reason]
edge-governance kill-switch [list] [--json]
edge-governance deliveries retry
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sync.server.cli.certificates import describe, tls_pair
from sync.server.cli.context import parse_duration, state
from sync.server.cli.fleet_views import (
    device_json,
    device_line,
    reach_text,
    render_device,
    switch_json,
    switch_line,
)
from sync.server.clock import utc_now
from sync.server.enrolment import DEFAULT_ROLE, Enrolment
from sync.server.errors import RecordNotFound
from sync.server.fleet_state import (
    device_state,
    fleet_state,
    switch_reach,
    switches_on,
)
from sync.server.publishing import Publisher, read_json_object
from sync.server.storage import Storage, deliveries, devices
from sync.server.storage.audit import record_event
from sync.server.storage.fleet import Scope


@click.command()
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default 8470).")
@click.option("--database-url", help="SQLAlchemy database URL (default: SQLite).")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve HTTPS with this certificate (PEM); needs --tls-key.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The certificate's private key (PEM, no password).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    database_url: str | None,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Run the governance service until interrupted."""
    import uvicorn

    from sync.server.app import create_app

    settings = state(ctx).settings(
        host=host,
        port=port,
        database_url=database_url,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    served = tls_pair(settings)  # a bad pair stops here, before anything starts
    app = create_app(settings)
    scheme = "http" if served is None else "https"
    click.echo(
        f"Serving on {scheme}://{settings.host}:{settings.port} "
        f"({app.state.services.storage.dialect}); Ctrl+C stops.",
        err=True,
    )
    if served is not None:
        click.echo(describe(served), err=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        ssl_certfile=None if served is None else served.cert_file,
        ssl_keyfile=None if served is None else served.key_file,
    )


@click.group("device")
def device_group() -> None:
    """Enrolment tokens and enrolled devices."""


@device_group.command("enroll-token")
@click.option("--technician", help="Only this technician may use it.")
@click.option("--role", default=DEFAULT_ROLE, show_default=True, help="Policy role.")
@click.option("--expires-in", default="24h", show_default=True, help="e.g. 2h, 7d.")
@click.pass_context
def enroll_token(
    ctx: click.Context, technician: str | None, role: str, expires_in: str
) -> None:
    """Issue a single-use enrolment token (shown once)."""
    cli = state(ctx)
    with cli.storage() as storage:
        issued = Enrolment(storage, cli.keys(), clock=utc_now).issue(
            expires_in=parse_duration(expires_in),
            technician_id=technician,
            role=role,
            actor=cli.actor,
        )
    click.echo(issued.token)
    who = f"technician {technician}" if technician else "any technician"
    click.echo(
        f"Single-use token for {who} (role {role}); expires "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC.",
        err=True,
    )


@device_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_devices(ctx: click.Context, as_json: bool) -> None:
    """List enrolled devices, revoked ones included, with their state."""
    with state(ctx).storage() as storage:
        fleet = fleet_state(storage)
    if as_json:
        click.echo(json.dumps([device_json(d) for d in fleet.devices], indent=2))
        return
    if not fleet.devices:
        click.echo("No devices are enrolled.", err=True)
    for device in fleet.devices:
        click.echo(device_line(device))


@device_group.command("show")
@click.argument("device_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show_device(ctx: click.Context, device_id: str, as_json: bool) -> None:
    """One device: versions in use, its actions by status, switches in force."""
    with state(ctx).storage() as storage:
        device = device_state(storage, device_id)
    if as_json:
        click.echo(json.dumps(device_json(device), indent=2))
    else:
        click.echo(render_device(device))


@device_group.command("revoke")
@click.argument("device_id")
@click.option("--reason", default="revoked by a supervisor", show_default=True)
@click.pass_context
def revoke(ctx: click.Context, device_id: str, reason: str) -> None:
    """Revoke a device: its next request is refused."""
    cli = state(ctx)
    with cli.storage() as storage, storage.write() as connection:
        now = utc_now()
        if not devices.revoke(connection, device_id, at=now, reason=reason):
            raise RecordNotFound(
                f"No device {device_id} is enrolled.", record_id=device_id
            )
        record_event(
            connection,
            at=now,
            actor=cli.actor,
            event="device_revoked",
            detail={"device_id": device_id, "reason": reason},
        )
    click.echo(f"Revoked {device_id}; its next request is refused.")


@device_group.command("handover")
@click.argument("device_id")
@click.option(
    "--technician", help="Enrols for this technician (default: the device's)."
)
@click.option("--expires-in", default="24h", show_default=True, help="e.g. 2h, 7d.")
@click.pass_context
def handover(
    ctx: click.Context, device_id: str, technician: str | None, expires_in: str
) -> None:
    """Issue a token that re-enrols the revoked DEVICE_ID so that its queued
    actions reach the centre (shown once)."""
    cli = state(ctx)
    with cli.storage() as storage:
        issued = Enrolment(storage, cli.keys(), clock=utc_now).issue_handover(
            device_id,
            expires_in=parse_duration(expires_in),
            technician_id=technician,
            actor=cli.actor,
        )
    click.echo(issued.token)
    click.echo(
        f"Single-use hand-over token for device {device_id} (technician "
        f"{issued.technician_id}, role {issued.role}); expires "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC. On the device: edge-agent "
        "enroll --server URL --token TOKEN. Its queued actions are then "
        "re-validated; those recorded after the revocation wait for review.",
        err=True,
    )


@click.group("jobs")
def jobs_group() -> None:
    """Devices' job books."""


@jobs_group.command("assign")
@click.option("--device", "device_id", help="The device.")
@click.option(
    "--technician", help="The technician's device (when they have exactly one)."
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def assign(
    ctx: click.Context, device_id: str | None, technician: str | None, file: Path
) -> None:
    """Replace a device's job book with FILE ({"jobs": [...], "assets": [...]})."""
    if (device_id is None) == (technician is None):
        raise click.UsageError("Name the device with --device or --technician.")
    cli = state(ctx)
    document = read_json_object(file)
    with cli.storage() as storage:
        if device_id is None:
            device_id = _device_of(storage, str(technician))
        version = Publisher(storage, cli.keys(), clock=utc_now).assign_jobs(
            device_id, document, actor=cli.actor
        )
    click.echo(
        f"Assigned {len(document['jobs'])} jobs to {device_id} (job book version "
        f"{version}); the device gets them on its next pull."
    )


@click.command("kill-switch")
@click.option("--device", "device_id", help="Switch one device's actions off/on.")
@click.option("--technician", help="Switch every device of one technician off/on.")
@click.option("--tool", help="Switch one tool off/on on every device.")
@click.option("--fleet", is_flag=True, help="Switch every device's actions off/on.")
@click.option("--reason", default="", help="Shown to technicians.")
@click.option("--json", "as_json", is_flag=True, help="With list: print JSON.")
@click.argument(
    "state_",
    metavar="[on|off|list]",
    default="list",
    type=click.Choice(["on", "off", "list"]),
)
@click.pass_context
def kill_switch(
    ctx: click.Context,
    device_id: str | None,
    technician: str | None,
    tool: str | None,
    fleet: bool,
    reason: str,
    as_json: bool,
    state_: str,
) -> None:
    """Throw (on) or reset (off) a kill switch; list (the default) shows those
    in force."""
    chosen = [x for x in (device_id, technician, tool, fleet or None) if x]
    if state_ == "list":
        if chosen or reason:
            raise click.UsageError("Say on or off to throw or reset a switch.")
        _list_switches(ctx, as_json)
        return
    if len(chosen) != 1:
        raise click.UsageError(
            "Name exactly one of --device, --technician, --tool or --fleet."
        )
    named: dict[Scope, str | None] = {
        "device": device_id,
        "technician": technician,
        "tool": tool,
    }
    scope: Scope = next((s for s, name in named.items() if name), "fleet")
    target = device_id or technician or tool or ""
    cli = state(ctx)
    with cli.storage() as storage:
        Publisher(storage, cli.keys(), clock=utc_now).kill_switch(
            scope,
            target,
            enabled=state_ == "on",
            reason=reason or "switched off by the central office",
            actor=cli.actor,
        )
        reached = switch_reach(storage, scope, target)
    what = {
        "device": f"device {target}",
        "technician": f"technician {target}",
        "tool": f"tool {target}",
        "fleet": "fleet",
    }
    click.echo(f"Kill switch for the {what[scope]} is {state_}.")
    click.echo(reach_text(scope, target, reached, enabled=state_ == "on"), err=True)


def _list_switches(ctx: click.Context, as_json: bool) -> None:
    with state(ctx).storage() as storage:
        switches = switches_on(storage)
    if as_json:
        click.echo(json.dumps([switch_json(s) for s in switches], indent=2))
        return
    if not switches:
        click.echo("No kill switch is on.", err=True)
    for switch in switches:
        click.echo(switch_line(switch))


@click.group("deliveries")
def deliveries_group() -> None:
    """Hand-over of applied actions to the connector."""


@deliveries_group.command("retry")
@click.pass_context
def retry(ctx: click.Context) -> None:
    """Put deliveries that gave up back in line."""
    with state(ctx).storage() as storage, storage.write() as connection:
        n = deliveries.retry_failed(connection, now=utc_now())
    click.echo(f"{n} deliveries put back in line.", file=sys.stdout)


def _device_of(storage: Storage, technician: str) -> str:
    """The one active device of ``technician``.

    Raises:
        click.UsageError: none, or several (then --device names one).
    """
    found = [
        d.record.device_id
        for d in fleet_state(storage).devices
        if d.record.technician_id == technician and not d.record.revoked
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise click.UsageError(f"No active device is enrolled for {technician}.")
    raise click.UsageError(
        f"{technician} has {len(found)} devices ({', '.join(found)}); name one "
        "with --device."
    )
