"""``edge-agent trace``: the recorded turns, and their export as OTLP JSON."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import click

from edge_agent.act.views import render_trace
from edge_agent.cli.state import CliState, pass_state
from edge_agent.files import write_json_atomic
from edge_agent.session import Session
from sync import otlp_document


@click.group()
def trace() -> None:
    """List, show and export the traces of technician turns."""


@trace.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_traces(state: CliState, limit: int, as_json: bool) -> None:
    """The latest turns, newest first."""
    with Session(state.settings()) as session:
        records = session.outbox.list_traces(limit=limit)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in records], indent=2, default=str))
        return
    for record in records:
        duration = (record.end_ns - record.start_ns) / 1e6
        click.echo(
            f"{record.trace_id}  {record.name:<8} {len(record.spans):>3} spans  "
            f"{duration:8.1f} ms"
        )


@trace.command()
@click.argument("trace_id")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: CliState, trace_id: str, as_json: bool) -> None:
    """One turn, span by span."""
    with Session(state.settings()) as session:
        record = session.outbox.get_trace(trace_id)
    if as_json:
        click.echo(json.dumps(record.as_dict(), indent=2, default=str))
    else:
        click.echo(render_trace(record))


@trace.command()
@click.option(
    "--otlp",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the OTLP JSON to.",
)
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1))
@pass_state
def export(state: CliState, target: Path, limit: int) -> None:
    """Write the latest traces as OTLP JSON, for any OpenTelemetry backend."""
    with Session(state.settings()) as session:
        records = session.outbox.list_traces(limit=limit)
    traces = [record.as_dict() for record in records]
    document = otlp_document(
        [({}, traces)], service_version=version("edge-field-assistant")
    )
    write_json_atomic(target, document)
    click.echo(f"Wrote {len(traces)} trace(s) to {target}.")
