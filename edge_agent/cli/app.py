"""``edge-agent app``: the terminal app, and how the assistant is opened.

With no command (and after ``edge-agent demo``) the assistant opens as the
terminal app when stdin and stdout are a terminal, else as the plain prompt
(``--plain`` asks for the prompt). Textual is imported only when the app runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edge_agent.cli.model_options import model_options
from edge_agent.cli.state import CliState, pass_state
from edge_agent.config import EdgeSettings


@click.command("app")
@model_options
@pass_state
def app_command(state: CliState, model_path: Path | None, no_model: bool) -> None:
    """Open the terminal app: chat, photos, actions, jobs, KB and sync."""
    if not on_a_terminal():
        raise click.UsageError(
            "The terminal app needs a terminal; without one, run 'edge-agent' "
            "for the plain prompt."
        )
    run_app(state.settings(), model_path=model_path, no_model=no_model)


def on_a_terminal() -> bool:
    """Whether stdin and stdout are both a terminal (a full-screen app fits)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_app(
    settings: EdgeSettings, *, model_path: Path | None = None, no_model: bool = False
) -> None:
    """Run the terminal app until the technician quits."""
    from edge_agent.tui import default_deps, make_app

    deps = default_deps(settings, model_path=model_path, no_model=no_model)
    make_app(settings, deps).run()


def open_assistant(settings: EdgeSettings, *, plain: bool = False) -> None:
    """The terminal app on a terminal, else (or with ``plain``) the prompt."""
    if not plain and on_a_terminal():
        run_app(settings)
        return
    from edge_agent.cli.shell import run_shell

    run_shell(settings)
