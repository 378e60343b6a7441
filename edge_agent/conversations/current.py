"""The conversation the chat is in: started by its first turn, or reopened.

Each turn gets its place when it is asked (the conversation and its number
in it), so a turn that ends after the technician moved on to another
conversation is still kept where it was asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from edge_agent.answer.values import Answer
from edge_agent.clock import Clock, utc_now
from edge_agent.conversations.values import (
    ActionOutcome,
    Conversation,
    Turn,
    TurnKind,
    TurnState,
    shortened_title,
)


def new_conversation_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class TurnPlace:
    """Where a turn belongs: its conversation, its number, what was asked."""

    conversation: Conversation
    seq: int
    kind: TurnKind
    text: str
    asked_at: datetime

    def turn(
        self,
        state: TurnState,
        *,
        answer: Answer | None = None,
        failure: str = "",
        trace_id: str | None = None,
        action: ActionOutcome | None = None,
    ) -> Turn:
        """The turn asked here, ended in ``state``."""
        return Turn(
            seq=self.seq,
            kind=self.kind,
            text=self.text,
            asked_at=self.asked_at,
            state=state,
            answer=answer,
            failure=failure,
            trace_id=trace_id,
            action=action,
        )


class CurrentConversation:
    """The conversation new turns go to; none until the first is asked."""

    def __init__(
        self,
        technician_id: str,
        *,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = new_conversation_id,
    ) -> None:
        self.technician_id = technician_id
        self.conversation: Conversation | None = None
        self._last_seq = 0
        self._clock = clock
        self._new_id = new_id

    def place(self, kind: TurnKind, text: str, job_id: str | None) -> TurnPlace:
        """The place of a turn asked now; the first starts a conversation
        (titled by it, about ``job_id``)."""
        now = self._clock()
        if self.conversation is None:
            title = ("/do " if kind is TurnKind.ACTION else "") + text
            self.conversation = Conversation(
                conversation_id=self._new_id(),
                started_at=now,
                last_activity_at=now,
                title=shortened_title(title),
                technician_id=self.technician_id,
                job_id=job_id,
            )
            self._last_seq = 0
        self._last_seq += 1
        return TurnPlace(self.conversation, self._last_seq, kind, text, now)

    def start_new(self) -> None:
        """The next turn starts a new conversation."""
        self.conversation = None
        self._last_seq = 0

    def reopen(self, conversation: Conversation, turns: list[Turn]) -> None:
        """Go on with a kept conversation: new turns follow its last one."""
        self.conversation = conversation
        self._last_seq = max((turn.seq for turn in turns), default=0)
