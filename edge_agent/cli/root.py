"""The ``edge-agent`` command group; each sub-command lives in its own module."""

from __future__ import annotations

from pathlib import Path

import click

from edge_agent.cli.actions import actions, do
from edge_agent.cli.ask import ask
from edge_agent.cli.demo import demo
from edge_agent.cli.kb import kb
from edge_agent.cli.ocr import ocr
from edge_agent.cli.policy import policy
from edge_agent.cli.shell import run_shell
from edge_agent.cli.state import CliState
from edge_agent.cli.sync import enroll, sync_command
from edge_agent.cli.trace import trace


@click.group(invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for all state (default: $EDGE_AGENT_HOME or the user data dir).",
)
@click.version_option(package_name="edge-field-assistant")
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """Offline assistant for field technicians.

    With no command, opens the assistant on this device's knowledge base.
    """
    state = ctx.ensure_object(CliState)
    state.home = home
    if ctx.invoked_subcommand is None:
        run_shell(state.settings())


cli.add_command(kb)
cli.add_command(ask)
cli.add_command(policy)
cli.add_command(actions)
cli.add_command(do)
cli.add_command(trace)
cli.add_command(enroll)
cli.add_command(sync_command)
cli.add_command(ocr)
cli.add_command(demo)
