"""The ``edge-governance`` command group: its options and its commands."""

from __future__ import annotations

from pathlib import Path

import click

from sync.server.cli import (
    certificates,
    drift,
    fleet,
    gate,
    kb,
    people,
    releases,
    review,
    signing,
    suites,
    turns,
)
from sync.server.cli.context import CliState, default_actor


@click.group()
@click.version_option(package_name="edge-field-assistant")
@click.option(
    "--database-url", help="SQLAlchemy URL (default: EDGE_GOVERNANCE_DATABASE_URL)."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The service's data folder (default: EDGE_GOVERNANCE_DATA_DIR).",
)
@click.option("--as", "actor", help="Who is acting, for the records (default: you).")
@click.pass_context
def governance(
    ctx: click.Context,
    database_url: str | None,
    data_dir: Path | None,
    actor: str | None,
) -> None:
    """Central governance tools for the field assistant fleet."""
    ctx.obj = CliState(database_url, data_dir, actor or default_actor())


governance.add_command(signing.keys)
governance.add_command(signing.policy_group)
signing.policy_group.add_command(review.publish_policy)
governance.add_command(fleet.serve)
governance.add_command(certificates.tls_group)
governance.add_command(fleet.device_group)
governance.add_command(fleet.jobs_group)
governance.add_command(fleet.kill_switch)
governance.add_command(fleet.deliveries_group)
governance.add_command(review.review_group)
governance.add_command(kb.kb_group)
governance.add_command(review.report)
governance.add_command(turns.turns_group)
governance.add_command(drift.drift_group)
governance.add_command(releases.release_group)
governance.add_command(people.user_group)
releases.release_group.add_command(gate.reports)
releases.release_group.add_command(gate.gate_group)
governance.add_command(suites.suite_group)
