"""Proposing, confirming and listing actions, as ``edge-agent do`` and
``edge-agent actions`` do, for the app's workers.

A proposal is decided in one worker and settled (confirmed, kept for later or
declined) in another, after the technician has answered: each opens its own
session, and the turn's tracer travels with the proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent.act.argument_origins import origins_from_evidence
from edge_agent.act.data_age import FRESHNESS_KEY
from edge_agent.act.decided import Decided
from edge_agent.act.proposals import ToolCall
from edge_agent.act.request_turn import propose_in_session
from edge_agent.act.views import data_age_text, origin_text
from edge_agent.config import EdgeSettings
from edge_agent.llm import ModelLoader
from edge_agent.tracing import TurnTracer
from edge_agent.tui.confirmation import ConfirmationRequest
from edge_agent.tui.tasks.stores import session
from sync import ActionState, QueuedAction, Transition

NO_MODEL = (
    "No local model, so requests in words cannot become actions. Create the "
    "action by hand on the Actions screen (F3, then n)."
)


@dataclass(frozen=True, slots=True)
class Proposed:
    """What came of a request: a decided proposal and its turn's tracer, or
    why there is none."""

    request: str
    decided: Decided | None
    tracer: TurnTracer
    problem: str = ""


@dataclass(frozen=True, slots=True)
class ActionList:
    """Every action on the device, newest first, and the count per state."""

    actions: tuple[QueuedAction, ...]
    counts: Mapping[ActionState, int]


def propose(
    settings: EdgeSettings,
    model: ModelLoader | None,
    request: str,
    *,
    job_id: str | None = None,
) -> Proposed:
    """Turn ``request`` into one action, checked and decided: read by rules
    first, the model (waited for only then) asked for what they could not."""
    with session(settings) as opened:
        tracer = opened.tracer("propose")
        result = propose_in_session(
            opened, request, model=None, tracer=tracer, job_id=job_id
        )
        if result.model_could_help:
            loaded = model.wait() if model is not None else None
            if loaded is None:
                opened.outbox.save_trace(tracer.finish(NO_MODEL).as_dict())
                return Proposed(request, None, tracer, NO_MODEL)
            tracer = opened.tracer("propose")
            result = propose_in_session(
                opened, request, model=loaded, tracer=tracer, job_id=job_id
            )
        if result.decided is None:
            problem = f"No action proposed: {result.problem}"
            opened.outbox.save_trace(tracer.finish(result.problem).as_dict())
            return Proposed(request, None, tracer, problem)
    return Proposed(request, result.decided, tracer)


def propose_by_hand(
    settings: EdgeSettings, tool: str, args: Mapping[str, Any]
) -> Proposed:
    """Check and decide a tool call the technician typed.

    Raises:
        ProposalError: the call is invalid or names what the device lacks.
    """
    with session(settings) as opened:
        tracer = opened.tracer("propose")
        decided = opened.actions.decide(
            ToolCall(tool, dict(args)), proposed_by="technician", tracer=tracer
        )
    return Proposed(f"{tool} by hand", decided, tracer)


def confirmation_for(settings: EdgeSettings, decided: Decided) -> ConfirmationRequest:
    """What the confirmation dialog shows for a fresh proposal."""
    proposal, decision = decided.proposal, decided.decision
    return ConfirmationRequest(
        tool=proposal.tool,
        action_type=decided.action_type,
        payload=proposal.payload,
        payload_hash=proposal.payload_hash,
        outcome=str(decision.outcome),
        bundle_version=decision.bundle_version,
        reasons=tuple(decision.reasons),
        technician_id=settings.technician_id,
        role=settings.role,
        interactive=decision.needs_interactive_confirmation,
        origins={
            name: origin_text(origin)
            for name, origin in decided.argument_origins.items()
            if origin.origin != "typed"
        },
        data_age=data_age_text(decided.freshness),
    )


def confirmation_for_kept(
    settings: EdgeSettings, action: QueuedAction
) -> ConfirmationRequest:
    """What the confirmation dialog shows for an action kept for later."""
    decision = action.decision
    return ConfirmationRequest(
        tool=action.tool,
        action_type=action.action_type,
        payload=action.payload,
        payload_hash=action.payload_hash,
        outcome=str(decision.get("outcome", "")),
        bundle_version=int(decision.get("bundle_version", 0)),
        reasons=tuple(str(r) for r in decision.get("reasons", ())),
        technician_id=settings.technician_id,
        role=settings.role,
        interactive=decision.get("interactive") is True,
        origins={
            name: origin_text(origin)
            for name, origin in origins_from_evidence(action.evidence).items()
            if origin.origin != "typed"
        },
        data_age=data_age_text(action.evidence.get(FRESHNESS_KEY)),
    )


def settle(
    settings: EdgeSettings, proposed: Proposed, *, confirmed: bool
) -> QueuedAction | None:
    """Record a decided proposal: confirmed if it needs it, else as decided.

    ``confirmed`` is the technician's answer in the confirmation dialog, a
    prompt that showed the action: it satisfies a decision that asks for a
    confirmation at a prompt. Declining one that needs confirmation queues
    nothing (``None``); the turn's trace is kept with the reason.
    """
    decided = proposed.decided
    if decided is None:
        raise ValueError("nothing was proposed")
    tracer = proposed.tracer
    wants_yes = decided.needs_confirmation and not decided.decision.denied
    with session(settings) as opened:
        if wants_yes and not confirmed:
            opened.outbox.save_trace(tracer.finish("declined").as_dict())
            return None
        confirmation = (
            opened.actions.confirm(decided, tracer=tracer, interactive=True)
            if wants_yes
            else None
        )
        return opened.actions.submit(decided, tracer=tracer, confirmation=confirmation)


def keep_for_later(settings: EdgeSettings, proposed: Proposed) -> QueuedAction:
    """Keep a proposal that waits for the technician's confirmation."""
    if proposed.decided is None:
        raise ValueError("nothing was proposed")
    with session(settings) as opened:
        return opened.actions.record_for_later(proposed.decided, tracer=proposed.tracer)


def confirm_kept(settings: EdgeSettings, key: str) -> QueuedAction:
    """Confirm an action kept for later, as the technician did in the
    confirmation dialog (a prompt); it is decided again under today's policy.

    Raises:
        ConfirmationMismatch: it is not waiting, or it would change if queued now.
        ProposalError: it is no longer valid.
    """
    with session(settings) as opened:
        return opened.actions.confirm_later(
            key, tracer=opened.tracer("confirm"), interactive=True
        )


def withdraw(settings: EdgeSettings, key: str) -> QueuedAction:
    """Cancel an action that has not been sent yet.

    Raises:
        InvalidTransition: it was sent already or is final.
    """
    with session(settings) as opened:
        return opened.outbox.cancel(
            key,
            actor=opened.technician.technician_id,
            reason="cancelled by the technician",
        )


def list_actions(settings: EdgeSettings, *, limit: int = 500) -> ActionList:
    """The device's actions, newest first, and how many are in each state."""
    with session(settings) as opened:
        actions = tuple(opened.outbox.list(limit=limit))
        counts = opened.outbox.count_by_state()
    return ActionList(actions, counts)


def action_history(settings: EdgeSettings, key: str) -> list[Transition]:
    """Every state change of one action, oldest first."""
    with session(settings) as opened:
        return opened.outbox.transitions(key)
