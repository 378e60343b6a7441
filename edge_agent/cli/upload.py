"""``edge-agent upload-report REPORT.json``: send an evaluation report to the
centre, signed by this device (``edge-agent eval --upload`` does it after
the run)."""

from __future__ import annotations

from pathlib import Path

import click

from edge_agent.cli.state import CliState, pass_state
from edge_agent.depot.report_upload import upload_report
from sync import ReportReceipt


@click.command("upload-report")
@click.argument("report", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--server", help="The centre's address (default: enrolment).")
@pass_state
def upload_report_command(state: CliState, report: Path, server: str | None) -> None:
    """Send REPORT (a report.json of edge-agent eval) to the centre, signed
    with this device's credentials; the centre keeps it for the release gate."""
    receipt = upload_report(state.settings(), report, server=server)
    click.echo(receipt_text(receipt))


def receipt_text(receipt: ReportReceipt) -> str:
    held = "" if receipt.new else " (the centre held it already)"
    return (
        f"Uploaded to the centre as evaluation report {receipt.report_id} "
        f"(sha256 {receipt.sha256[:12]}){held}."
    )
