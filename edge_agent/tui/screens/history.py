"""Past conversations, newest first: type to filter, Enter reopens one."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from edge_agent.conversations import Conversation
from edge_agent.tui.chat_text import turns_label, when_label

HINT = "Type to filter; ↑/↓ choose, Enter reopens, Esc closes."
NONE_KEPT = "No conversations kept yet: the first question starts one."
NONE_MATCH = "No conversation matches; Backspace widens the filter."


def conversation_label(conversation: Conversation, now: datetime) -> str:
    """One line: when it was last active, its turns, its job, its title."""
    when = when_label(conversation.last_activity_at, now)
    job = conversation.job_id or "-"
    turns = turns_label(conversation.turn_count)
    return f"{when:<15} {turns:>8}  {job:<8} {conversation.title}"


def matches(label: str, typed: str) -> bool:
    """Every word typed appears in the label, in any case."""
    text = label.casefold()
    return all(word in text for word in typed.casefold().split())


class HistoryScreen(ModalScreen[str | None]):
    """Lists the kept conversations; returns the id of the one to reopen."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]

    def __init__(self, conversations: list[Conversation], now: datetime) -> None:
        super().__init__()
        self.labels = [
            (c.conversation_id, conversation_label(c, now)) for c in conversations
        ]

    def compose(self) -> ComposeResult:
        count = len(self.labels)
        with Vertical(id="history-dialog", classes="dialog"):
            yield Static(Content(f"Past conversations ({count})"), classes="title")
            yield Input(
                placeholder="Filter: words of the title, a job, a date",
                id="history-filter",
            )
            yield OptionList(id="history-list")
            yield Static(Content(HINT), classes="hint")

    def on_mount(self) -> None:
        self._show("")
        self.query_one("#history-filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        listed = self.query_one("#history-list", OptionList)
        if listed.highlighted is not None:
            self.dismiss(listed.get_option_at_index(listed.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        listed = self.query_one("#history-list", OptionList)
        if self.shown_ids:
            current = listed.highlighted or 0
            listed.highlighted = max(0, min(listed.option_count - 1, current + step))

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def shown_ids(self) -> list[str]:
        """The ids of the conversations listed now, in order."""
        listed = self.query_one("#history-list", OptionList)
        options = (listed.get_option_at_index(i) for i in range(listed.option_count))
        return [option.id for option in options if option.id is not None]

    def _show(self, typed: str) -> None:
        listed = self.query_one("#history-list", OptionList)
        listed.clear_options()
        shown = [(cid, label) for cid, label in self.labels if matches(label, typed)]
        listed.add_options(Option(Content(label), id=cid) for cid, label in shown)
        if shown:
            listed.highlighted = 0
        else:
            listed.add_option(
                Option(Content(NONE_MATCH if self.labels else NONE_KEPT), disabled=True)
            )
