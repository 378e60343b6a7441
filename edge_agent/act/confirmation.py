"""The technician's confirmation of a decided action: bound to the exact
payload hash, the technician and the policy version, and, when the decision
is interactive, given at a prompt that showed the action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edge_agent.act.decided import Decided
from edge_agent.errors import (
    ConfirmationMismatch,
    ConfirmationNeeded,
    InteractiveConfirmationNeeded,
)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The technician's yes to one exact payload under one policy version.

    ``interactive``: given at a prompt that showed the action (the app's
    dialog, a terminal's question), not by a flag such as ``--yes``.
    """

    technician_id: str
    payload_hash: str
    bundle_version: int
    confirmed_at: str
    interactive: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "payload_hash": self.payload_hash,
            "bundle_version": self.bundle_version,
            "confirmed_at": self.confirmed_at,
            "interactive": self.interactive,
        }


def check_confirmation(
    decided: Decided, confirmation: Confirmation | None, *, technician_id: str
) -> None:
    """Refuse to queue ``decided`` without a confirmation that matches it.

    Raises:
    ConfirmationNeeded: no confirmation for an action that needs one.
    ConfirmationMismatch: the confirmation is for another payload,
        technician or policy version.
    InteractiveConfirmationNeeded: the decision is interactive and the
        confirmation was not given at a prompt.
    """
    if confirmation is None:
        raise ConfirmationNeeded(
            f"{decided.proposal.tool} needs your confirmation: "
            + "; ".join(decided.decision.reasons)
        )
    expected = (
        technician_id,
        decided.proposal.payload_hash,
        decided.decision.bundle_version,
    )
    given = (
        confirmation.technician_id,
        confirmation.payload_hash,
        confirmation.bundle_version,
    )
    if given != expected:
        raise ConfirmationMismatch(
            "This confirmation was given for another payload, technician or "
            "policy version; confirm the action as it stands now."
        )
    if decided.decision.needs_interactive_confirmation and not (
        confirmation.interactive
    ):
        raise InteractiveConfirmationNeeded(
            f"{decided.proposal.tool} must be confirmed at a prompt that "
            f"shows it to you: {prompt_reason(decided)}"
        )


def prompt_reason(decided: Decided) -> str:
    """The decision's deciding reason, to say why it asks for a prompt."""
    reasons = decided.decision.reasons
    return reasons[0] if reasons else "the policy asks for it"
