"""``edge-agent actions`` and ``edge-agent do``: propose, confirm, list, cancel.

Every action goes the same way, whether the model proposed it or the
technician typed it: checked, decided by the policy, confirmed where the
policy asks, and recorded in the outbox for the centre. Nothing is applied
from the device.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from edge_agent.act.decided import Decided
from edge_agent.act.proposals import ToolCall
from edge_agent.act.request_keys import (
    Earlier,
    RequestIdentity,
    record_once,
    recorded_before,
    request_identity,
)
from edge_agent.act.request_turn import propose_in_session
from edge_agent.act.views import (
    action_to_json,
    render_action,
    render_action_line,
    render_decided,
)
from edge_agent.cli.action_output import (
    WINDOW_MINUTES,
    echo_action,
    echo_earlier,
    render_kept,
)
from edge_agent.cli.outbox_reset import reset_outbox_command
from edge_agent.cli.state import CliState, pass_state
from edge_agent.clock import utc_now
from edge_agent.depot.model_gate import model_loader
from edge_agent.errors import EdgeAgentError, InteractiveConfirmationNeeded
from edge_agent.session import Session
from edge_agent.tracing import TurnTracer
from sync import ActionState, QueuedAction

STATES = [state.value for state in ActionState]


@click.group()
def actions() -> None:
    """Propose, list, show and cancel actions queued for the centre."""


@actions.command("create")
@click.argument("tool")
@click.option("--args", "raw_args", required=True, help="Arguments as a JSON object.")
@click.option("--yes", is_flag=True, help="Confirm without asking, if needed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--idempotency-key",
    "request_key",
    metavar="KEY",
    help="Your own key for this request: run again with it, the action it "
    "recorded is printed and nothing new is recorded.",
)
@click.option(
    "--again",
    is_flag=True,
    help=f"Record a second action even if an identical request was recorded "
    f"in the last {WINDOW_MINUTES} minutes.",
)
@pass_state
def create(
    state: CliState,
    tool: str,
    raw_args: str,
    yes: bool,
    as_json: bool,
    request_key: str | None,
    again: bool,
) -> None:
    """Propose TOOL with --args by hand; the policy decides as for the model.

    Run again, a request finds the action it recorded (a create killed before
    it printed may have recorded it): with the same --idempotency-key KEY it
    prints that action, its state and decision, records nothing and exits 0;
    the key names that action for good, and using it for another request is
    refused. Without a key, an identical request (tool, arguments,
    technician) recorded in the last 10 minutes and not
    cancelled is taken as the same request run again, and said so on
    stderr; add --again to record a second, identical action on purpose.
    """
    if request_key is not None and again:
        raise click.UsageError(
            "--again and --idempotency-key exclude each other: a key names one "
            "action; give each action its own key."
        )
    args = _json_object(raw_args)
    with Session(state.settings()) as session:
        who = session.technician.technician_id
        request = request_identity(tool, args, who, request_key)
        earlier = recorded_before(session.outbox, request, now=utc_now(), again=again)
        if earlier is not None:
            echo_earlier(earlier, request, as_json)
            return
        tracer = session.tracer("propose")
        decided = session.actions.decide(
            ToolCall(tool, args), proposed_by="technician", tracer=tracer
        )
        once = Once(request, again)
        _settle(session, decided, tracer, yes=yes, as_json=as_json, once=once)


@dataclass(frozen=True, slots=True)
class Once:
    """A request recorded once only (see :mod:`edge_agent.act.request_keys`)."""

    request: RequestIdentity
    again: bool


@click.command()
@click.argument("request")
@click.option("--job", "job_id", help="The job this request is about.")
@click.option("--yes", is_flag=True, help="Confirm without asking, if needed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--no-model", is_flag=True, help="Read the request by rules only.")
@pass_state
def do(
    state: CliState,
    request: str,
    job_id: str | None,
    yes: bool,
    as_json: bool,
    no_model: bool,
) -> None:
    """Ask the assistant to do something; it proposes one action for you.

    The request is read by rules first (the tool from its verbs, counts,
    codes by the knowledge base's formats, the job); the local model is
    loaded and asked only for what the rules could not read.
    """
    settings = state.settings()
    with Session(settings) as session:
        tracer = session.tracer("propose")
        result = propose_in_session(
            session, request, model=None, tracer=tracer, job_id=job_id
        )
        if result.model_could_help and not no_model:
            model = model_loader(settings).wait()
            if model is not None:
                tracer = session.tracer("propose")
                result = propose_in_session(
                    session, request, model=model, tracer=tracer, job_id=job_id
                )
        if result.decided is None:
            session.outbox.save_trace(tracer.finish(result.problem).as_dict())
            raise EdgeAgentError(f"No action proposed: {result.problem}")
        _settle(session, result.decided, tracer, yes=yes, as_json=as_json)


def _settle(
    session: Session,
    decided: Decided,
    tracer: TurnTracer,
    *,
    yes: bool,
    as_json: bool,
    once: Once | None = None,
) -> None:
    """Show the decision, ask for confirmation if needed, record the action.

    A decision that asks for a confirmation at a prompt is kept for later
    when --yes was given: exit code 4, nothing lost.
    """
    if not as_json:
        click.echo(render_decided(decided))
    confirmation = None
    if yes and decided.decision.needs_interactive_confirmation:
        kept = _record(
            session,
            once,
            lambda: session.actions.record_for_later(decided, tracer=tracer),
            as_json,
        )
        if kept is None:
            return
        raise InteractiveConfirmationNeeded(
            f"Kept as action {kept.seq}: {decided.decision.reasons[0]} "
            + _AT_A_PROMPT.format(seq=kept.seq),
            seq=kept.seq,
        )
    if decided.needs_confirmation and not decided.decision.denied and not yes:
        if not sys.stdin.isatty():
            kept = _record(
                session,
                once,
                lambda: session.actions.record_for_later(decided, tracer=tracer),
                as_json,
            )
            if kept is not None:
                click.echo(
                    f"Kept as action {kept.seq}, waiting for your confirmation: "
                    f"edge-agent actions confirm {kept.seq}",
                    err=True,
                )
            return
        if not _ask_to_confirm(session, decided):
            session.outbox.save_trace(tracer.finish("declined").as_dict())
            click.echo("Declined: nothing was queued.", err=True)
            raise click.exceptions.Exit(1)
    if decided.needs_confirmation and not decided.decision.denied:
        confirmation = session.actions.confirm(
            decided, tracer=tracer, interactive=not yes
        )
    _record(
        session,
        once,
        lambda: session.actions.submit(
            decided, tracer=tracer, confirmation=confirmation
        ),
        as_json,
    )


_AT_A_PROMPT = (
    "It must be confirmed at a prompt that shows it, which --yes cannot give: "
    "confirm it in the app (F3 Actions, then c) or run 'edge-agent actions "
    "confirm {seq}' on a terminal."
)


def _record(
    session: Session,
    once: Once | None,
    record: Callable[[], QueuedAction],
    as_json: bool,
) -> QueuedAction | None:
    """Record and print the action; ``None`` when the request had recorded it
    before (then that one is printed)."""
    if once is None:
        action = record()
    else:
        found = record_once(
            session.outbox, once.request, record, now=utc_now(), again=once.again
        )
        if isinstance(found, Earlier):
            echo_earlier(found, once.request, as_json)
            return None
        action = found
    echo_action(action, as_json, already=False if once else None)
    return action


def _ask_to_confirm(session: Session, decided: Decided) -> bool:
    who = session.technician.technician_id
    return click.confirm(f"Confirm this exact action as {who}?", default=False)


@actions.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(STATES))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_actions(
    state: CliState, states: tuple[str, ...], limit: int, as_json: bool
) -> None:
    """Actions on this device, newest first, with their state and reason."""
    with Session(state.settings()) as session:
        found = session.outbox.list(
            [ActionState(s) for s in states] or None, limit=limit
        )
        counts = session.outbox.count_by_state()
    if as_json:
        click.echo(json.dumps([action_to_json(a) for a in found], indent=2))
        return
    if not found:
        click.echo("No actions.")
        return
    click.echo("\n".join(render_action_line(action) for action in found))
    click.echo(", ".join(f"{n} {s.value}" for s, n in sorted(counts.items()) if n))


@actions.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: CliState, key: str, as_json: bool) -> None:
    """One action in full: payload, decision, confirmation, evidence, history."""
    with Session(state.settings()) as session:
        action = session.outbox.get(_full_key(session, key))
        history = session.outbox.transitions(action.key)
    if as_json:
        data = action_to_json(action)
        data["history"] = [
            {
                "from": t.from_state,
                "to": t.to_state,
                "actor": t.actor,
                "reason": t.reason,
            }
            for t in history
        ]
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(render_action(action, history))


@actions.command()
@click.argument("key")
@click.option("--yes", is_flag=True, help="Confirm without asking.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def confirm(state: CliState, key: str, yes: bool, as_json: bool) -> None:
    """Confirm an action kept for later; it is decided again under today's policy.

    As with ``create``, the exact action is shown and confirmed on a terminal,
    or with --yes; without either, nothing changes. An action the policy
    wants confirmed at a prompt cannot be confirmed with --yes (exit code 4).
    """
    with Session(state.settings()) as session:
        full = _full_key(session, key)
        kept = session.outbox.get(full)
        if kept.state is ActionState.PROPOSED and not yes:
            _ask_to_confirm_kept(session, kept)
        try:
            action = session.actions.confirm_later(
                full, tracer=session.tracer("confirm"), interactive=not yes
            )
        except InteractiveConfirmationNeeded as exc:
            raise InteractiveConfirmationNeeded(
                f"{exc.message} " + _AT_A_PROMPT.format(seq=kept.seq), seq=kept.seq
            ) from exc
    echo_action(action, as_json)


def _ask_to_confirm_kept(session: Session, kept: QueuedAction) -> None:
    """Show the kept action and ask; no terminal or no answer: exit 1."""
    if not sys.stdin.isatty():
        if kept.decision.get("interactive") is True:
            raise InteractiveConfirmationNeeded(
                f"Action {kept.seq} is not confirmed: there is no terminal to ask "
                "on. " + _AT_A_PROMPT.format(seq=kept.seq),
                seq=kept.seq,
            )
        raise EdgeAgentError(
            f"Action {kept.seq} is not confirmed: there is no terminal to ask on. "
            f"Confirm it with 'edge-agent actions confirm {kept.seq} --yes'."
        )
    click.echo(render_kept(kept))
    who = session.technician.technician_id
    if not click.confirm(f"Confirm this exact action as {who}?", default=False):
        click.echo(f"Not confirmed: action {kept.seq} still waits.", err=True)
        raise click.exceptions.Exit(1)


@actions.command()
@click.argument("key")
@click.option("--reason", default="cancelled by the technician", show_default=True)
@pass_state
def cancel(state: CliState, key: str, reason: str) -> None:
    """Withdraw an action that has not been sent yet."""
    with Session(state.settings()) as session:
        full = _full_key(session, key)
        session.outbox.cancel(
            full, actor=session.technician.technician_id, reason=reason
        )
    click.echo(f"Cancelled {full}.")


def _full_key(session: Session, key: str) -> str:
    """Accept a sequence number or a key prefix, as printed by ``list``."""
    candidates = session.outbox.list(limit=100_000)
    if key.isdigit():
        matches = [a.key for a in candidates if a.seq == int(key)]
    else:
        matches = [a.key for a in candidates if a.key.startswith(key)]
    if len(matches) != 1:
        raise EdgeAgentError(
            f"No single action matches {key!r}; use the number or key from "
            "'edge-agent actions list'."
        )
    return matches[0]


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc})", param_hint="--args") from exc
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--args")
    return value


actions.add_command(reset_outbox_command)
