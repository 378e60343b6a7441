"""An action card of a reopened conversation: what was asked, decided and
done, as it was shown; nothing on it can be confirmed again (the Actions
screen, F3, holds the actions themselves)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from edge_agent.conversations import Turn, TurnState

NO_OUTCOME = "No outcome was kept for this card: F3 Actions lists what was recorded."


class PastActionCard(Vertical):
    """A kept ``/do`` turn: the request, the call and decision, the outcome."""

    DEFAULT_CLASSES = "proposal"

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn
        action = turn.action
        if action is not None and action.decision:
            self.add_class(f"-{action.decision}")

    def compose(self) -> ComposeResult:
        turn, action = self.turn, self.turn.action
        yield Static(Content(f"Action request: {turn.text}"), classes="title")
        if turn.state is TurnState.UNREADABLE or action is None:
            yield Static(Content(turn.failure or NO_OUTCOME), classes="outcome -error")
            return
        yield Static(Content(action.shown), classes="decision")
        text, tone = action.outcome, action.tone
        if not text:
            text, tone = NO_OUTCOME, "warning"
        yield Static(Content(text), classes=f"outcome -{tone or 'good'}")
