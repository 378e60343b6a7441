"""``edge-governance turns``: how the fleet uses the assistant, from devices'
journals.

edge-governance turns list [--device D] [--since ISO] [--limit N] [--json]
edge-governance turns export --out FILE [--device D] [--since ISO] [--limit N]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from sync.otlp import otlp_document
from sync.server.cli.context import parse_moment, state
from sync.server.turn_log import MAX_PAGE, LogFilter, Turn, turn_page


@click.group("turns")
def turns_group() -> None:
    """Turns devices reported: questions, photos, proposals, with decisions."""


def _filters(command: Any) -> Any:
    command = click.option("--device", "device_id", help="Only this device.")(command)
    command = click.option("--since", help="Received since (ISO 8601).")(command)
    return click.option(
        "--limit", default=1000, show_default=True, type=click.IntRange(1, MAX_PAGE)
    )(command)


@turns_group.command("list")
@_filters
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_turns(
    ctx: click.Context,
    device_id: str | None,
    since: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The latest turns, one line each."""
    rows = _turns(ctx, device_id, since, limit)
    if as_json:
        click.echo(json.dumps([turn.as_dict() for turn in rows], indent=2))
        return
    if not rows:
        click.echo("No turns reported yet: devices send them at each sync.")
        return
    for turn in rows:
        decided = f"  [{'; '.join(turn.decisions)}]" if turn.decisions else ""
        click.echo(
            f"{_moment(turn.saved_at)}  {turn.device_id}  {turn.name:<8} "
            f"{turn.seconds:6.1f} s  {len(turn.spans)} step(s)  "
            f"{turn.trace_id}{decided}"
        )


@turns_group.command("export")
@_filters
@click.option(
    "--out",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the OTLP JSON to.",
)
@click.pass_context
def export_turns(
    ctx: click.Context,
    device_id: str | None,
    since: str | None,
    limit: int,
    target: Path,
) -> None:
    """Write turns as OTLP JSON, one resource per device, for any
    OpenTelemetry backend."""
    rows = _turns(ctx, device_id, since, limit)
    by_device: dict[str, list[Mapping[str, Any]]] = {}
    for turn in rows:
        by_device.setdefault(turn.device_id, []).append(turn.as_dict())
    resources: Iterable[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]] = [
        ({"device.id": device}, traces) for device, traces in sorted(by_device.items())
    ]
    document = otlp_document(resources, service_version=_version())
    try:
        target.write_text(json.dumps(document), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(
            f"Cannot write {target} ({exc.strerror or exc})."
        ) from exc
    click.echo(
        f"Wrote {len(rows)} turn(s) from {len(by_device)} device(s) to {target}."
    )


def _turns(
    ctx: click.Context, device_id: str | None, since: str | None, limit: int
) -> list[Turn]:
    moment = parse_moment(since, "--since") if since else None
    wanted = LogFilter(device_id=device_id, since=moment)
    with state(ctx).storage() as storage:
        return list(turn_page(storage, wanted, limit=limit).rows)


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _version() -> str:
    try:
        return version("edge-field-assistant")
    except PackageNotFoundError:
        return "unknown"
