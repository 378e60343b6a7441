"""What the chat keeps of each turn, and where: the conversation it is in
and the history file, with what went wrong with the file, if anything.

A turn gets its place when it is asked and is kept when it ends: a question
when its answer is complete, stopped or failed; an action request when the
policy decided it and again when its outcome is known.
"""

from __future__ import annotations

from collections.abc import Hashable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from edge_agent.answer.values import Answer
from edge_agent.clock import Clock
from edge_agent.config import EdgeSettings
from edge_agent.conversations import ActionOutcome, Retention, TurnKind, TurnState
from edge_agent.conversations.current import CurrentConversation, TurnPlace
from edge_agent.errors import HistoryUnavailable
from edge_agent.tui.chat_history import ChatHistory

if TYPE_CHECKING:
    from edge_agent.tui.tasks.actions import Proposed
    from sync import QueuedAction

UNAVAILABLE_NOTE = (
    "The chat history is unavailable: this conversation is kept in memory only."
)


def proposed_outcome(proposed: Proposed) -> ActionOutcome:
    """An action card once decided: the call and the decision, as shown."""
    from edge_agent.act.views import render_decided

    decided = proposed.decided
    if decided is None:
        return ActionOutcome(shown="Nothing to decide.")
    return ActionOutcome(
        tool=decided.proposal.tool,
        decision=str(decided.decision.outcome),
        shown=render_decided(decided),
    )


def settled_outcome(
    before: ActionOutcome, text: str, tone: str, recorded: QueuedAction | None
) -> ActionOutcome:
    """The card with its last line and the action recorded, if one was."""
    return ActionOutcome(
        tool=before.tool,
        decision=before.decision,
        shown=before.shown,
        outcome=text,
        tone=tone,
        action_seq=None if recorded is None else recorded.seq,
        action_state="" if recorded is None else recorded.state.value,
    )


class ChatKeeper:
    """The chat's conversation and its history file.

    Turns are known by a key the chat chooses (an answer's number, a card);
    each method returns the pending write, or ``None`` when nothing is
    written (an unknown key, or the history failed).
    """

    def __init__(self, settings: EdgeSettings, clock: Clock) -> None:
        retention = Retention(
            settings.chat_history_conversations, settings.chat_history_days
        )
        self.history = ChatHistory(
            settings.layout.conversations_db, retention, clock=clock
        )
        self.current = CurrentConversation(settings.technician_id, clock=clock)
        self.problem: HistoryUnavailable | None = None
        """Why the history cannot be used, once it failed."""
        self._places: dict[Hashable, TurnPlace] = {}
        self._cards: dict[Hashable, ActionOutcome] = {}

    @property
    def available(self) -> bool:
        return self.problem is None

    def asked(
        self, key: Hashable, kind: TurnKind, text: str, job_id: str | None
    ) -> None:
        """A turn was asked: it takes the next place in the conversation."""
        self._places[key] = self.current.place(kind, text, job_id)
        if kind is TurnKind.ACTION:
            self._cards[key] = ActionOutcome()

    def answered(
        self, key: Hashable, answer: Answer, trace_id: str | None, *, cancelled: bool
    ) -> Future[None] | None:
        state = TurnState.CANCELLED if cancelled else TurnState.ANSWERED
        return self._keep(
            self._places.pop(key, None), state, answer=answer, trace_id=trace_id
        )

    def answer_failed(self, key: Hashable, failure: str) -> Future[None] | None:
        place = self._places.pop(key, None)
        return self._keep(place, TurnState.FAILED, failure=failure)

    def decided(self, key: Hashable, proposed: Proposed) -> Future[None] | None:
        """The policy decided the card's proposal (or there is none)."""
        outcome = self._cards[key] = proposed_outcome(proposed)
        place = self._places.get(key)
        trace_id = proposed.tracer.trace_id
        return self._keep(place, TurnState.PROPOSED, trace_id=trace_id, action=outcome)

    def card_settled(
        self,
        key: Hashable,
        text: str,
        tone: str,
        recorded: QueuedAction | None,
        trace_id: str | None,
    ) -> Future[None] | None:
        """The card's last line: recorded, declined, or nothing proposed."""
        place, before = self._places.pop(key, None), self._cards.pop(key, None)
        if before is None:
            return None
        outcome = settled_outcome(before, text, tone, recorded)
        return self._keep(place, TurnState.SETTLED, trace_id=trace_id, action=outcome)

    def failed(self, error: HistoryUnavailable) -> bool:
        """Note that the history failed; whether this is the first failure."""
        first = self.problem is None
        self.problem = self.problem or error
        return first

    def close(self) -> None:
        """Finish the writes asked for and close the file."""
        self.history.close()

    def _keep(
        self,
        place: TurnPlace | None,
        state: TurnState,
        *,
        answer: Answer | None = None,
        failure: str = "",
        trace_id: str | None = None,
        action: ActionOutcome | None = None,
    ) -> Future[None] | None:
        if place is None or self.problem is not None:
            return None
        turn = place.turn(
            state, answer=answer, failure=failure, trace_id=trace_id, action=action
        )
        return self.history.record(place.conversation, turn)
