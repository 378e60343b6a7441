"""``edge-agent demo``: load the bundled demo fleet, then open the assistant
(the terminal app on a terminal; ``--plain`` for the plain prompt)."""

from __future__ import annotations

import json

import click

from edge_agent.cli.app import open_assistant
from edge_agent.cli.kb import ingest_with_progress
from edge_agent.cli.render import render_report
from edge_agent.cli.state import CliState, pass_state
from edge_agent.clock import utc_now
from edge_agent.jobs import parse_job_book, write_job_book
from edge_agent.knowledge import demo_data_dir, open_knowledge, remember_knowledge
from policies import format_time

DEMO_JOBS = "jobs.json"


@click.command()
@click.option("--no-start", is_flag=True, help="Only load the data; do not start.")
@click.option("--plain", is_flag=True, help="Start the plain prompt, not the app.")
@pass_state
def demo(state: CliState, no_start: bool, plain: bool) -> None:
    """Load the demo fleet's manuals and code tables (once), then start."""
    settings = state.settings()
    with open_knowledge(settings, create=True) as store:
        report = ingest_with_progress(store, store.sources([demo_data_dir()]))
        remember_knowledge(settings.layout, store)
    click.echo(render_report(report), err=True)
    if not settings.layout.jobs_file.exists():
        demo_jobs = json.loads((demo_data_dir() / DEMO_JOBS).read_text("utf-8"))
        # The demo job book arrives as it is loaded, as a sync would bring it.
        demo_jobs["received_at"] = format_time(utc_now())
        write_job_book(settings.layout.jobs_file, parse_job_book(demo_jobs))
        click.echo(
            f"Loaded the demo job list into {settings.layout.jobs_file}.", err=True
        )
    if not no_start:
        open_assistant(settings, plain=plain)
