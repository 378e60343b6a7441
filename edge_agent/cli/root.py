"""The ``edge-agent`` command group; each sub-command lives in its own module,
imported only when that command runs."""

from __future__ import annotations

from pathlib import Path

import click

from edge_agent.cli.lazy import LazyGroup
from edge_agent.cli.state import CliState

COMMANDS = {
    "kb": "edge_agent.cli.kb:kb",
    "ask": "edge_agent.cli.ask:ask",
    "policy": "edge_agent.cli.policy:policy",
    "actions": "edge_agent.cli.actions:actions",
    "do": "edge_agent.cli.actions:do",
    "trace": "edge_agent.cli.trace:trace",
    "enroll": "edge_agent.cli.sync:enroll",
    "sync": "edge_agent.cli.sync:sync_command",
    "ocr": "edge_agent.cli.ocr:ocr",
    "demo": "edge_agent.cli.demo:demo",
    "app": "edge_agent.cli.app:app_command",
    "eval": "edge_agent.cli.evaluate:eval_command",
    "upload-report": "edge_agent.cli.upload:upload_report_command",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for all state (default: $EDGE_AGENT_HOME or the user data dir).",
)
@click.version_option(package_name="edge-field-assistant")
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """Offline assistant for field technicians.

    With no command, opens the assistant on this device's knowledge base: the
    terminal app on a terminal, else the plain prompt.
    """
    state = ctx.ensure_object(CliState)
    state.home = home
    if ctx.invoked_subcommand is None:
        from edge_agent.cli.app import open_assistant

        open_assistant(state.settings())
