"""``edge-agent actions reset-outbox``: take the outbox as found, knowingly."""

from __future__ import annotations

import json

import click

from edge_agent import exit_codes
from edge_agent.cli.state import CliState, pass_state
from edge_agent.clock import utc_now
from edge_agent.device_outbox import (
    describe_reset,
    open_device_outbox,
    reset_outbox,
)
from edge_agent.errors import OutboxLost

WOULD = {
    "missing": "start a new, empty outbox whose numbering goes on from the last "
    "action the device recorded",
    "empty": "start a new, empty outbox whose numbering goes on from the last "
    "action the device recorded",
    "replaced": "take the outbox found as this device's outbox",
    "behind": "carry on with the older copy found",
}


@click.command("reset-outbox")
@click.option(
    "--i-understand",
    "understood",
    is_flag=True,
    help="Do it: the actions of the lost outbox will not reach the centre.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def reset_outbox_command(state: CliState, understood: bool, as_json: bool) -> None:
    """Start again from the outbox as found, when the device's own is lost.

    The device remembers its outbox (in device.json); a missing, empty or
    replaced outbox, or an older copy, stops every command that needs it
    (exit 5) rather than losing more. Put the file back from a backup if
    you can. Otherwise this command, with --i-understand, starts a new
    outbox whose numbering goes on from the last action recorded (missing
    or empty), or takes the outbox found as the device's own (another
    outbox, an older copy). The reset is recorded in device.json. A damaged
    outbox is never touched: move it aside first. Without --i-understand it
    only says what it would do.
    """
    settings = state.settings()
    if not understood:
        _explain(state)
        return
    reset = reset_outbox(settings, clock=utc_now)
    if as_json:
        click.echo(json.dumps(describe_reset(reset), indent=2))
    elif reset.found is None:
        click.echo("The outbox is this device's own and whole: nothing to reset.")
    else:
        click.echo(
            f"Outbox reset (it was {reset.found}): the device now uses outbox "
            f"{reset.now.outbox_id}; its next action is number {reset.now.seq + 1}. "
            "The reset is recorded in device.json."
        )


def _explain(state: CliState) -> None:
    """Say what is wrong and what the reset would do; change nothing."""
    try:
        open_device_outbox(state.settings()).close()
    except OutboxLost as lost:
        click.echo(lost.message, err=True)
        if lost.found in WOULD:
            click.echo(
                f"With --i-understand this command would {WOULD[lost.found]}.",
                err=True,
            )
        raise click.exceptions.Exit(exit_codes.DAMAGED) from lost
    click.echo("The outbox is this device's own and whole: nothing to reset.")
