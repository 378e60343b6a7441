"""The chat's transcript: the welcome line, then each turn in order.

New turns are added as they are asked; a reopened conversation's kept turns
are drawn again from what was kept. Answers citing a document the centre
has withdrawn since are marked so. The transcript scrolls from the keyboard
while the question box keeps the focus.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from edge_agent.conversations import Turn, TurnKind, TurnState
from edge_agent.depot.withdrawn import Withdrawn
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.past_action import PastActionCard

UNREADABLE_MARKER = "NOT SHOWN: this turn was kept in a form this app cannot read."
FAILED = "The answer failed; details are in the log."


def show_kept_answer(view: AnswerView, turn: Turn) -> None:
    """Draw a kept question's answer (or why there is none) in ``view``."""
    if turn.state is TurnState.UNREADABLE:
        view.fail(turn.failure, marker=UNREADABLE_MARKER)
    elif turn.answer is None:
        view.fail(turn.failure or FAILED)
    else:
        view.cancelled = turn.state is TurnState.CANCELLED
        view.finish(turn.answer)


class Transcript(VerticalScroll):
    """The turns on screen, oldest first, under the welcome line."""

    def __init__(self, welcome: str) -> None:
        super().__init__(Static(Content(welcome), id="welcome"), id="transcript")
        self._numbered = 0
        self._views: dict[int, AnswerView] = {}

    def new_answer(self, question: str) -> AnswerView:
        """A view for a new question, numbered, shown at the end."""
        view = self._answer_view(question)
        self.add(view)
        return view

    def add(self, turn: Widget) -> None:
        """Show a new turn at the end, in view."""
        self.mount(turn)
        self.scroll_end(animate=False)

    def view(self, number: int) -> AnswerView | None:
        """The answer view numbered ``number``, while it is shown."""
        return self._views.get(number)

    def turns(self) -> list[Widget]:
        return [child for child in self.children if child.id != "welcome"]

    async def clear_turns(self) -> None:
        """Take every turn away; the welcome line stays."""
        self._views.clear()
        await self.remove_children(self.turns())

    async def show_kept(self, turns: list[Turn]) -> list[Widget]:
        """Draw kept ``turns`` after the welcome line, each as it ended."""
        widgets: list[Widget] = [
            PastActionCard(turn)
            if turn.kind is TurnKind.ACTION
            else self._answer_view(turn.text)
            for turn in turns
        ]
        await self.mount_all(widgets)
        for widget, turn in zip(widgets, turns, strict=True):
            if isinstance(widget, AnswerView):
                show_kept_answer(widget, turn)
        self.call_after_refresh(self.scroll_end, animate=False)
        return widgets

    def mark_withdrawn(self, entries: Sequence[Withdrawn]) -> None:
        """Mark each answer shown that cites a document of ``entries`` (the
        device's list of withdrawn documents), and only those."""
        for view in self._views.values():
            if view.finished:
                view.mark_withdrawn(entries)

    def _answer_view(self, question: str) -> AnswerView:
        self._numbered += 1
        view = AnswerView(self._numbered, question)
        self._views[self._numbered] = view
        return view

    def answer_to_copy(self, focused: Widget | None) -> AnswerView | None:
        """The answer the focus is in, else the last one that is complete."""
        for node in focused.ancestors_with_self if focused is not None else ():
            if isinstance(node, AnswerView) and node.settled:
                return node
        views = [w for w in self.turns() if isinstance(w, AnswerView) and w.settled]
        return views[-1] if views else None

    def go(self, where: str) -> None:
        """Scroll a page up or down, or to the first or the last turn."""
        moves = {
            "page_up": self.scroll_page_up,
            "page_down": self.scroll_page_down,
            "first": self.scroll_home,
            "last": self.scroll_end,
        }
        moves[where](animate=False)
