"""Actions: every action on the device with its state and reason.

``c`` confirms an action kept for later (the dialog shows its exact payload),
``x`` withdraws one not yet sent, ``n`` proposes one by hand, Enter shows one
in full with its history. A hand proposal shows as a short card above the
queue, never taller than a part of the screen; Esc closes it (declining it if
it still waits for an answer). The queue's columns fit the screen's width: a
long reason ends in an ellipsis, and the detail below (or Enter) shows it
whole. The list is read again whenever the device's state changes (an action
recorded, a sync).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.messages import ActionRecorded
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.screens.dialogs import QuestionScreen, TextScreen
from edge_agent.tui.screens.new_action import NewActionScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard, joined_reasons

if TYPE_CHECKING:
    from edge_agent.tui.tasks.actions import ActionList, Proposed
    from sync import QueuedAction

STATE_LABELS = {
    "proposed": "to confirm",
    "awaiting_approval": "awaiting approval",
}
WITHDRAWABLE = ("proposed", "queued", "awaiting_approval")
FIXED_COLUMNS = (("#", "seq", 4), ("state", "state", 17), ("tool", "tool", 17))
"""The queue's columns before the reason: title, key and width."""
CELL_PADDING = 2
"""Cells the table adds around each column (one on either side)."""
SCROLLBAR = 2
"""Room kept for the table's vertical scrollbar."""
MIN_REASON = 12


def reason_width(table_width: int) -> int:
    """How wide the reason column can be in a table ``table_width`` cells wide."""
    fixed = sum(width + CELL_PADDING for _, _, width in FIXED_COLUMNS)
    return max(MIN_REASON, table_width - fixed - CELL_PADDING - SCROLLBAR)


def cell(text: str) -> Text:
    """A one-line cell that ends in an ellipsis when it is too long."""
    return Text(text, no_wrap=True, overflow="ellipsis")


def state_label(state: str) -> str:
    """The state as the technician reads it."""
    return STATE_LABELS.get(state, state.replace("_", " "))


def counts_line(listing: ActionList) -> str:
    """``2 queued, 1 awaiting approval, 3 applied`` (states with none left out)."""
    parts = [
        f"{count} {state_label(state.value)}"
        for state, count in listing.counts.items()
        if count
    ]
    return ", ".join(parts) if parts else "No actions yet."


def detail_text(action: QueuedAction) -> str:
    """The highlighted action in a few lines: its call, decision and reason."""
    from edge_agent.act.views import describe_args

    args = action.payload.get("args", {})
    decision = action.decision
    reasons = joined_reasons(decision.get("reasons", ()))
    confirmed = action.confirmation or {}
    lines = [
        f"{action.tool}: {describe_args(dict(args)) if isinstance(args, dict) else ''}",
        f"Decision {str(decision.get('outcome', '')).upper()} (policy v"
        f"{decision.get('bundle_version')}): {reasons}",
        f"Now {state_label(action.state.value)}"
        + (f": {action.state_reason}" if action.state_reason else ""),
    ]
    who = f"confirmed by {confirmed.get('technician_id')}" if confirmed else ""
    if who and who not in action.state_reason:
        lines.append(who.capitalize())
    return "\n".join(lines)


class ActionsScreen(FieldScreen):
    """The queue: what was proposed, decided, sent and applied."""

    MODE = "actions"
    AUTO_FOCUS = "#queue"
    BINDINGS = [
        Binding("c", "confirm", "Confirm"),
        Binding("x", "withdraw", "Withdraw"),
        Binding("n", "new", "New action"),
        Binding("r", "reload", "Refresh"),
        Binding("escape", "close_card", "Close card"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.actions: tuple[QueuedAction, ...] = ()
        self._reason_width = 0

    def compose_body(self) -> ComposeResult:
        yield Static(Content("Reading the queue…"), id="queue-counts")
        yield VerticalScroll(id="new-action", can_focus=False)
        table: DataTable[Text] = DataTable(id="queue", cursor_type="row")
        yield table
        yield Static("", id="queue-detail")

    def on_mount(self) -> None:
        self._fit_columns(self.app.size.width)
        self.watch(field_app(self), "outbox_version", self._state_changed, init=False)
        self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        if reason_width(event.size.width) != self._reason_width:
            self._fit_columns(event.size.width)
            self._rows()

    def _fit_columns(self, width: int) -> None:
        """Lay the columns out for a table ``width`` cells wide."""
        self._reason_width = reason_width(width)
        table = self.query_one("#queue", DataTable)
        table.clear(columns=True)
        for title, key, column_width in FIXED_COLUMNS:
            table.add_column(title, key=key, width=column_width)
        table.add_column("reason", key="reason", width=self._reason_width)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def _state_changed(self, _version: Any) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        """Read the queue again."""
        self._load()

    @work(thread=True, exit_on_error=False, group="queue", exclusive=True)
    def _load(self) -> None:
        from edge_agent.tui.tasks.actions import list_actions

        listing = list_actions(field_app(self).settings)
        self.app.call_from_thread(self._show, listing)

    def _show(self, listing: ActionList) -> None:
        self.actions = listing.actions
        self._rows()
        self.query_one("#queue-counts", Static).update(Content(counts_line(listing)))
        self._show_detail()

    def _rows(self) -> None:
        """Fill the table with the actions; keep the cursor where it was."""
        table = self.query_one("#queue", DataTable)
        row = table.cursor_row
        table.clear()
        for action in self.actions:
            table.add_row(
                cell(str(action.seq)),
                cell(state_label(action.state.value)),
                cell(action.tool),
                cell(action.state_reason),
                key=action.key,
            )
        if self.actions:
            table.move_cursor(row=min(max(row, 0), len(self.actions) - 1))

    def selected(self) -> QueuedAction | None:
        """The action under the cursor, if any."""
        table = self.query_one("#queue", DataTable)
        if not self.actions or table.cursor_row >= len(self.actions):
            return None
        return self.actions[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        action = self.selected()
        text = "" if action is None else detail_text(action)
        self.query_one("#queue-detail", Static).update(Content(text))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        action = self.selected()
        if action is not None:
            self._open(action)

    @work(thread=True, exit_on_error=False, group="queue-detail")
    def _open(self, action: QueuedAction) -> None:
        from edge_agent.act.views import render_action
        from edge_agent.tui.tasks.actions import action_history

        history = action_history(field_app(self).settings, action.key)
        text = render_action(action, history)
        title = f"Action {action.seq}: {action.tool}"
        self.app.call_from_thread(self.app.push_screen, TextScreen(title, text))

    # --- confirm, withdraw, new ---------------------------------------------------

    def action_confirm(self) -> None:
        """Confirm the action under the cursor, if it waits for confirmation."""
        from edge_agent.tui.tasks.actions import confirmation_for_kept

        action = self.selected()
        if action is None or action.state.value != "proposed":
            self.notify("Only an action 'to confirm' can be confirmed.", timeout=4)
            return
        request = confirmation_for_kept(field_app(self).settings, action)

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._confirm(action.key)

        self.app.push_screen(ConfirmActionScreen(request), answered)

    @work(thread=True, exit_on_error=False, group="queue-change")
    def _confirm(self, key: str) -> None:
        from edge_agent.tui.tasks.actions import confirm_kept

        action = confirm_kept(field_app(self).settings, key)
        self.app.post_message(ActionRecorded(action))
        message = f"Confirmed: recorded as action {action.seq} ({action.state.value})."
        self.app.call_from_thread(self.notify, message)

    def action_withdraw(self) -> None:
        """Withdraw the action under the cursor, if it has not been sent."""
        action = self.selected()
        if action is None or action.state.value not in WITHDRAWABLE:
            self.notify("Only an action not yet sent can be withdrawn.", timeout=4)
            return
        question = (
            f"Withdraw action {action.seq} ({action.tool})? It will not be sent "
            "to the centre."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._withdraw(action.key)

        self.app.push_screen(QuestionScreen(question, yes="Withdraw"), answered)

    @work(thread=True, exit_on_error=False, group="queue-change")
    def _withdraw(self, key: str) -> None:
        from edge_agent.tui.tasks.actions import withdraw

        action = withdraw(field_app(self).settings, key)
        self.app.post_message(ActionRecorded(action))

    def action_new(self) -> None:
        """Propose an action by hand: a tool and a form of its arguments."""
        self.app.push_screen(NewActionScreen(), self._proposed)

    async def _proposed(self, proposed: Proposed | None) -> None:
        if proposed is None:
            return
        for card in self.query(ProposalCard):
            card.close()
        holder = self.query_one("#new-action", VerticalScroll)
        await holder.mount(ProposalCard(proposed.request, proposed, compact=True))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_card":
            return bool(self.query(ProposalCard))
        return True

    def action_close_card(self) -> None:
        """Close the proposal card (declining it if it still waits)."""
        for card in self.query(ProposalCard):
            card.close()
        self.call_after_refresh(self.refresh_bindings)
