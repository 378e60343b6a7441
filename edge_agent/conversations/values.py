"""What the chat keeps: conversations and their turns, as values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from edge_agent.answer.values import Answer

TITLE_LENGTH = 60
"""Longest title of a conversation: its first question, shortened."""


class TurnKind(StrEnum):
    """What the technician typed: a question, or a request for an action."""

    QUESTION = "question"
    ACTION = "action"


class TurnState(StrEnum):
    """How a turn ended (or how far it got before the app closed)."""

    ANSWERED = "answered"
    CANCELLED = "cancelled"
    """Stopped by the technician; what was found before stays."""
    FAILED = "failed"
    PROPOSED = "proposed"
    """An action decided by the policy, its outcome not (yet) known."""
    SETTLED = "settled"
    """An action recorded, declined, or one that could not be proposed."""
    UNREADABLE = "unreadable"
    """Kept in a form this version of the app cannot read."""


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """An action card as it was shown: the call, the decision, what came of it.

    Attributes:
        tool: The tool proposed (``""`` when nothing could be proposed).
        decision: The policy's outcome (``allow``, ``confirm``, ``approve``,
            ``deny``), ``""`` when nothing was decided.
        shown: The call and the decision with its reasons, as the card said it.
        outcome: The card's last line (recorded as action 3, declined ...).
        tone: How that line stood out: ``good``, ``warning`` or ``error``.
        action_seq: The number of the action in the outbox, when one was
            recorded.
        action_state: Its state when it was recorded.
    """

    tool: str = ""
    decision: str = ""
    shown: str = ""
    outcome: str = ""
    tone: str = ""
    action_seq: int | None = None
    action_state: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """One question or action request of a conversation, with how it ended.

    Attributes:
        seq: Its place in the conversation: 1, 2, 3 ... in the order asked.
        kind: A question or an action request.
        text: What the technician typed (for ``/do``, the request after it).
        asked_at: When it was asked.
        state: How it ended.
        answer: A question's answer, as far as it got (``None`` if it failed).
        failure: Why a question failed, or why a turn cannot be read.
        trace_id: The trace of the turn in the outbox, if it has one.
        action: An action request's card.
    """

    seq: int
    kind: TurnKind
    text: str
    asked_at: datetime
    state: TurnState
    answer: Answer | None = None
    failure: str = ""
    trace_id: str | None = None
    action: ActionOutcome | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation: its questions, in order, under a title.

    Attributes:
        conversation_id: Its id.
        started_at: When its first question was asked.
        last_activity_at: When its last turn was kept.
        title: Its first question, shortened.
        technician_id: Who asked.
        job_id: The job in the chat's context when it started, if any.
        turn_count: How many turns it holds (when read from the store).
    """

    conversation_id: str
    started_at: datetime
    last_activity_at: datetime
    title: str
    technician_id: str
    job_id: str | None = None
    turn_count: int = 0


@dataclass(frozen=True, slots=True)
class Retention:
    """How much history is kept: the newest ``conversations``, none older
    than ``days`` (by their last activity)."""

    conversations: int
    days: int


def shortened_title(text: str, length: int = TITLE_LENGTH) -> str:
    """``text`` on one line, cut at a word and ended with ``…`` if too long."""
    line = " ".join(text.split())
    if len(line) <= length:
        return line
    cut = line[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
