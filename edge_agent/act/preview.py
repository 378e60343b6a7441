"""What the policy would decide on a tool call, with nothing recorded: for a
form that shows the decision while the technician is still filling it in.

The call is checked and decided exactly as a proposal is
(:meth:`~edge_agent.act.service.ActionService.decide`), under a tracer of its
own that is never finished nor saved: no action, decision or trace is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.act.proposals import ToolCall
from edge_agent.act.service import ActionService
from edge_agent.errors import ProposalError
from edge_agent.tracing import TurnTracer
from policies import Outcome

HEADLINES = {
    Outcome.ALLOW: "Allowed",
    Outcome.CONFIRM: "Needs your confirmation",
    Outcome.APPROVE: "Needs supervisor approval",
    Outcome.DENY: "Denied",
}


@dataclass(frozen=True, slots=True)
class Preview:
    """The decision a call would get now, or why it cannot be proposed."""

    outcome: Outcome | None
    """``None`` when the call cannot be proposed (see :attr:`problem`)."""
    reasons: tuple[str, ...] = ()
    """The policy's reasons, the deciding one first."""
    bundle_version: int = 0
    problem: str = ""
    field: str = ""
    """The argument the problem is with, if it is with one."""

    @property
    def headline(self) -> str:
        """``Allowed``, ``Needs your confirmation``, ``Needs supervisor
        approval`` or ``Denied`` (empty when it cannot be proposed)."""
        return "" if self.outcome is None else HEADLINES[self.outcome]

    def text(self) -> str:
        """One line: the headline and the deciding reason (the others counted),
        or the problem."""
        if self.outcome is None:
            return self.problem
        if not self.reasons:
            return self.headline
        more = len(self.reasons) - 1
        extra = f" (+{more} more)" if more else ""
        return f"{self.headline}: {self.reasons[0]}{extra}"


def preview_call(actions: ActionService, call: ToolCall) -> Preview:
    """Check and decide ``call`` as the technician's, recording nothing."""
    tracer = TurnTracer("preview")
    try:
        decided = actions.decide(call, proposed_by="technician", tracer=tracer)
    except ProposalError as exc:
        return Preview(None, problem=exc.message, field=exc.field)
    decision = decided.decision
    return Preview(decision.outcome, tuple(decision.reasons), decision.bundle_version)
