"""Actions: every action on the device with its state and reason.

``c`` confirms an action kept for later (the dialog shows its exact payload),
``x`` withdraws one not yet sent, ``n`` proposes one by hand, Enter shows one
in full with its history. The list is read again whenever the device's state
changes (an action recorded, a sync).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.focus import focus_home_if_within
from edge_agent.tui.messages import ActionRecorded
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.screens.dialogs import QuestionScreen, TextScreen
from edge_agent.tui.screens.new_action import NewActionScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard

if TYPE_CHECKING:
    from edge_agent.tui.tasks.actions import ActionList, Proposed
    from sync import QueuedAction

STATE_LABELS = {
    "proposed": "to confirm",
    "awaiting_approval": "awaiting approval",
}
WITHDRAWABLE = ("proposed", "queued", "awaiting_approval")


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
    reasons = "; ".join(str(r) for r in decision.get("reasons", ()))
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
    ]

    def __init__(self) -> None:
        super().__init__()
        self.actions: tuple[QueuedAction, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield Static(Content("Reading the queue…"), id="queue-counts")
        yield Vertical(id="new-action")
        table: DataTable[Text] = DataTable(id="queue", cursor_type="row")
        yield table
        yield Static("", id="queue-detail")

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_column("#", key="seq", width=4)
        table.add_column("state", key="state", width=17)
        table.add_column("tool", key="tool", width=20)
        table.add_column("reason", key="reason")
        self.watch(field_app(self), "outbox_version", self._state_changed, init=False)
        self.action_reload()

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
        table = self.query_one("#queue", DataTable)
        row = table.cursor_row
        table.clear()
        for action in listing.actions:
            table.add_row(
                Text(str(action.seq)),
                Text(state_label(action.state.value)),
                Text(action.tool),
                Text(action.state_reason),
                key=action.key,
            )
        if listing.actions:
            table.move_cursor(row=min(row, len(listing.actions) - 1))
        self.query_one("#queue-counts", Static).update(Content(counts_line(listing)))
        self._show_detail()

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
        """Propose an action by hand: a tool and its arguments."""
        self.app.push_screen(NewActionScreen(), self._proposed)

    async def _proposed(self, proposed: Proposed | None) -> None:
        if proposed is None:
            return
        holder = self.query_one("#new-action", Vertical)
        focus_home_if_within(holder)
        await holder.remove_children()
        await holder.mount(ProposalCard(proposed.request, proposed))
