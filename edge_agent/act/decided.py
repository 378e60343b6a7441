"""A proposal with the policy's decision on it: what the front ends show, the
technician confirms and the outbox records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.act.argument_origins import ArgumentOrigin, origins_evidence
from edge_agent.act.data_age import FRESHNESS_KEY
from edge_agent.act.proposals import Proposal
from policies import Decision, Outcome
from sync import ActionState


@dataclass(frozen=True, slots=True)
class Decided:
    """A proposal with the policy's decision on it."""

    proposal: Proposal
    action_type: str
    decision: Decision
    model_confidence: float | None = None
    grounded: bool | None = None
    argument_sources: Mapping[str, str] = field(default_factory=dict)
    """Who filled each argument (``rules`` or ``model``), for a call read
    from words; empty for a call typed by hand."""
    argument_origins: Mapping[str, ArgumentOrigin] = field(default_factory=dict)
    """Where each argument's text came from (typed, photo, document, model)."""
    freshness: Mapping[str, Any] = field(default_factory=dict)
    """How old the data it rests on was when decided (see
    :func:`edge_agent.act.data_age.freshness_record`)."""

    def evidence(self) -> dict[str, Any]:
        """What the centre needs to judge the proposal again."""
        evidence = {
            **self.proposal.evidence,
            "proposed_by": self.proposal.proposed_by,
            "model_confidence": self.model_confidence,
            "grounded": self.grounded,
        }
        if self.argument_sources:
            evidence["argument_sources"] = dict(self.argument_sources)
        evidence.update(origins_evidence(self.argument_origins))
        if self.freshness:
            evidence[FRESHNESS_KEY] = dict(self.freshness)
        return evidence

    @property
    def needs_confirmation(self) -> bool:
        return self.decision.outcome in (Outcome.CONFIRM, Outcome.APPROVE)

    def state_when_queued(self) -> ActionState:
        if self.decision.outcome is Outcome.DENY:
            return ActionState.DENIED
        if self.decision.outcome is Outcome.APPROVE:
            return ActionState.AWAITING_APPROVAL
        return ActionState.QUEUED
