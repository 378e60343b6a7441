"""How the action commands print an action, and one a request recorded before."""

from __future__ import annotations

import json

import click

from edge_agent.act.request_keys import RETRY_WINDOW, Earlier, RequestIdentity
from edge_agent.act.views import action_to_json
from sync import QueuedAction

WINDOW_MINUTES = int(RETRY_WINDOW.total_seconds() // 60)


def echo_action(
    action: QueuedAction, as_json: bool, *, already: bool | None = None
) -> None:
    """Print the action; ``already`` (for ``create``) says whether the request
    had recorded it before."""
    if as_json:
        data = action_to_json(action)
        if already is not None:
            data["already_recorded"] = already
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"Recorded as action {action.seq}: {action.state.value}.")


def echo_earlier(earlier: Earlier, request: RequestIdentity, as_json: bool) -> None:
    """Print what the request recorded before, and say that nothing new was."""
    if earlier.action is None:
        if as_json:
            found = {"seq": earlier.seq, "pruned": True, "already_recorded": True}
            click.echo(json.dumps(found, indent=2))
        else:
            click.echo(f"Recorded as action {earlier.seq}: settled and pruned.")
        click.echo(
            f"This request (key {request.key}) was recorded as action "
            f"{earlier.seq}, which the centre settled and the device has since "
            "removed; nothing new was recorded.",
            err=True,
        )
        return
    action = earlier.action
    if not as_json:
        click.echo(render_kept(action))
    echo_action(action, as_json, already=True)
    at = action.created_at.isoformat(timespec="seconds")
    if earlier.by_key:
        why = f"This request (key {request.key}) was recorded as action {action.seq}"
        click.echo(f"{why} at {at}; nothing new was recorded.", err=True)
    else:
        click.echo(
            f"An identical request was recorded as action {action.seq} at {at}, "
            f"less than {WINDOW_MINUTES} minutes ago: taken as the same request "
            "run again, nothing new was recorded. To record a second one on "
            "purpose, add --again.",
            err=True,
        )


def render_kept(action: QueuedAction) -> str:
    """An action as recorded: its exact payload and the decision it had."""
    decision = action.decision
    reasons = [f"  - {reason}" for reason in decision.get("reasons", ())]
    return "\n".join(
        [
            f"Action {action.seq}: {action.tool} ({action.action_type})",
            "Payload: " + json.dumps(dict(action.payload), sort_keys=True),
            f"Payload hash: {action.payload_hash}",
            f"Decision: {str(decision.get('outcome', '')).upper()} (policy "
            f"version {decision.get('bundle_version')})",
            *reasons,
        ]
    )
