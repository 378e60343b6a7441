"""``edge-governance turns``: how the fleet uses the assistant, from devices'
journals.

edge-governance turns list [--device D] [--since ISO] [--limit N] [--json]
edge-governance turns export --out FILE [--device D] [--since ISO] [--limit N]
edge-governance turns to-case TRACE_ID [--device D] [--expect-code C ...]
                              [--expect-text T ...] [--must-abstain] --out FILE
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
from sync.server.drift import add_cases, turn_case
from sync.server.errors import PublishRefused, RecordNotFound
from sync.server.storage import drift
from sync.server.turn_log import MAX_PAGE, LogFilter, Turn, turn_page

FIELD_SUITE = "Cases from the field"


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


@turns_group.command("to-case")
@click.argument("trace_id")
@click.option("--device", "device_id", help="The device, when two hold this id.")
@click.option(
    "--expect-code",
    "codes",
    multiple=True,
    help="A code the answer must find; for a photo, one printed on it "
    "(KIND:VALUE, or a value read from it).",
)
@click.option(
    "--expect-text", "texts", multiple=True, help="Text the answer must show."
)
@click.option(
    "--must-abstain", is_flag=True, help="The answer must say nothing answers it."
)
@click.option(
    "--out",
    "target",
    required=True,
    type=click.Path(path_type=Path),
    help="Suite file (or folder) to add the case to; made when missing.",
)
@click.pass_context
def to_case(
    ctx: click.Context,
    trace_id: str,
    device_id: str | None,
    codes: tuple[str, ...],
    texts: tuple[str, ...],
    must_abstain: bool,
    target: Path,
) -> None:
    """Make one reviewed turn (a question or a photo) an evaluation case."""
    with state(ctx).storage() as storage, storage.read() as connection:
        found = drift.turns_with_id(connection, trace_id, device_id)
    if not found:
        raise RecordNotFound(
            f"No turn {trace_id}"
            + (f" from device {device_id}" if device_id else "")
            + " at the centre; edge-governance turns list shows those it holds."
        )
    if len(found) > 1:
        devices = ", ".join(turn["device_id"] for turn in found)
        raise PublishRefused(
            f"Devices {devices} each sent a turn {trace_id}; say which with "
            "--device. Nothing was written."
        )
    case = turn_case(
        found[0], expect_codes=codes, expect_texts=texts, must_abstain=must_abstain
    )
    written = add_cases(target, [case], name=FIELD_SUITE)
    if not written.added:
        click.echo(f"{written.file} holds case {case['id']} already; left as it is.")
        return
    click.echo(
        f"Added {case['kind']} case {case['id']} to {written.file} (suite version "
        f"{written.version})."
    )
    if case["kind"] == "photo":
        click.echo(case["note"])


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
