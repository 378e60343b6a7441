"""Where a queued action stands on the device, and which moves are allowed.

    proposed ──> denied
        │
        ├──> queued ─────────────┐
        └──> awaiting_approval ──┴──> sent ──> applied | rejected
                                       │  └──> quarantined ──> applied | rejected
                                       └──> back to queued / awaiting_approval
                                            (a push that failed)

``proposed``, ``queued`` and ``awaiting_approval`` may also be ``cancelled``
while the action is still on the device. ``denied``, ``applied``, ``rejected``
and ``cancelled`` are final.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from sync.errors import InvalidTransition


class ActionState(StrEnum):
    """A queued action's local state; the values are stored and sent as is."""

    PROPOSED = "proposed"
    """Recorded, but waiting for a decision or the technician's confirmation."""
    DENIED = "denied"
    """The policy said no; kept as a record, never sent for applying."""
    QUEUED = "queued"
    """Waiting for the next sync."""
    AWAITING_APPROVAL = "awaiting_approval"
    """Waiting for the next sync, then for a supervisor at the centre."""
    SENT = "sent"
    """Pushed to the centre; its result is not known yet."""
    APPLIED = "applied"
    """The centre applied it."""
    QUARANTINED = "quarantined"
    """The centre holds it for a supervisor's review."""
    REJECTED = "rejected"
    """The centre refused it."""
    CANCELLED = "cancelled"
    """Withdrawn on the device before it was sent."""


_S = ActionState

TRANSITIONS: MappingProxyType[ActionState, frozenset[ActionState]] = MappingProxyType(
    {
        _S.PROPOSED: frozenset(
            {_S.DENIED, _S.QUEUED, _S.AWAITING_APPROVAL, _S.CANCELLED}
        ),
        _S.DENIED: frozenset(),
        _S.QUEUED: frozenset({_S.SENT, _S.CANCELLED}),
        _S.AWAITING_APPROVAL: frozenset({_S.SENT, _S.CANCELLED}),
        _S.SENT: frozenset(
            {_S.APPLIED, _S.QUARANTINED, _S.REJECTED, _S.QUEUED, _S.AWAITING_APPROVAL}
        ),
        _S.QUARANTINED: frozenset({_S.APPLIED, _S.REJECTED}),
        _S.APPLIED: frozenset(),
        _S.REJECTED: frozenset(),
        _S.CANCELLED: frozenset(),
    }
)
"""Every allowed move: ``TRANSITIONS[from_state]`` is the set of next states."""

INITIAL_STATES = frozenset({_S.PROPOSED, _S.DENIED, _S.QUEUED, _S.AWAITING_APPROVAL})
"""The states an action may be recorded in."""

PENDING_STATES = (_S.QUEUED, _S.AWAITING_APPROVAL)
"""The states of actions that the next push sends, in this order of listing."""

RESULT_STATES = frozenset({_S.APPLIED, _S.QUARANTINED, _S.REJECTED})
"""The states a result from the centre can set."""

FINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)
"""States nothing leaves: only these can be acknowledged and pruned."""


def check_transition(key: str, from_state: ActionState, to_state: ActionState) -> None:
    """Allow the move, or raise.

    Raises:
        InvalidTransition: ``TRANSITIONS`` has no move from ``from_state`` to
            ``to_state``.
    """
    if to_state in TRANSITIONS[from_state]:
        return
    allowed = ", ".join(sorted(TRANSITIONS[from_state])) or "nothing (it is final)"
    raise InvalidTransition(
        f"Action {key} is {from_state} and cannot become {to_state}; "
        f"from {from_state} it can only become: {allowed}.",
        title="Action cannot change that way",
        record_id=key,
    )
