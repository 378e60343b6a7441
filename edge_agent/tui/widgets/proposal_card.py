"""An action the assistant proposes, as a card: the exact call, the policy's
decision with its reasons, and what the technician can do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import ReportsWorkerFailures
from edge_agent.tui.focus import focus_home_if_within
from edge_agent.tui.messages import ActionRecorded

if TYPE_CHECKING:
    from edge_agent.tui.tasks.actions import Proposed
    from sync import QueuedAction

WAITING_TEXT = "Asking the model for one action…"


class ProposalCard(ReportsWorkerFailures, Vertical):
    """One proposal from a request in words (``/do ...``) or typed by hand.

    ``allow`` and ``deny`` are recorded at once, as the command line does;
    ``confirm`` and ``approve`` wait for the technician: review and confirm
    (a dialog shows the exact payload), keep for later, or discard.
    """

    DEFAULT_CLASSES = "proposal"

    def __init__(self, request: str, proposed: Proposed | None = None) -> None:
        """A card for ``request``; ``proposed`` when it is decided already."""
        super().__init__()
        self.request = request
        self._decided_before = proposed
        self.proposed: Proposed | None = None
        self.recorded: QueuedAction | None = None
        self.settled = False

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Action request: {self.request}"), classes="title")
        yield Static(Content(WAITING_TEXT), classes="decision")
        yield Static("", classes="outcome")
        with Horizontal(classes="buttons"):
            yield Button("Review and confirm", id="review", variant="primary")
            yield Button("Keep for later", id="later")
            yield Button("Discard", id="discard", variant="error")

    def on_mount(self) -> None:
        self.query_one(".buttons").display = False
        if self._decided_before is not None:
            self.show_proposed(self._decided_before)

    def show_proposed(self, proposed: Proposed) -> None:
        """Show the decided proposal, or why there is none."""
        from edge_agent.act.views import render_decided

        self.proposed = proposed
        decided = proposed.decided
        if decided is None:
            self._outcome(proposed.problem, "error")
            self.query_one(".decision", Static).update(Content("Nothing to decide."))
            self.settled = True
            return
        outcome = str(decided.decision.outcome)
        self.add_class(f"-{outcome}")
        self.query_one(".decision", Static).update(Content(render_decided(decided)))
        self._into_view()
        if decided.needs_confirmation and not decided.decision.denied:
            self.query_one(".buttons").display = True
            self.query_one("#review", Button).focus()
        else:
            self._settle(confirmed=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.settled or self.proposed is None or self.proposed.decided is None:
            return
        if event.button.id == "review":
            self._review()
        elif event.button.id == "later":
            self._keep()
        elif event.button.id == "discard":
            self._settle(confirmed=False)

    def _review(self) -> None:
        from edge_agent.tui.screens.confirm import ConfirmActionScreen
        from edge_agent.tui.tasks.actions import confirmation_for

        assert self.proposed is not None and self.proposed.decided is not None
        request = confirmation_for(field_app(self).settings, self.proposed.decided)
        self.app.push_screen(ConfirmActionScreen(request), self._answered)

    def _answered(self, confirmed: bool | None) -> None:
        self._settle(confirmed=bool(confirmed))

    @work(thread=True, exit_on_error=False, group="proposal")
    def _settle(self, *, confirmed: bool) -> None:
        from edge_agent.tui.tasks.actions import settle

        assert self.proposed is not None
        action = settle(field_app(self).settings, self.proposed, confirmed=confirmed)
        self.app.call_from_thread(self._recorded, action)

    @work(thread=True, exit_on_error=False, group="proposal")
    def _keep(self) -> None:
        from edge_agent.tui.tasks.actions import keep_for_later

        assert self.proposed is not None
        action = keep_for_later(field_app(self).settings, self.proposed)
        self.app.call_from_thread(self._recorded, action, kept=True)

    def _recorded(self, action: QueuedAction | None, *, kept: bool = False) -> None:
        self.settled = True
        self.recorded = action
        self._hide_buttons()
        if action is None:
            self._outcome("Declined: nothing was queued.", "warning")
            return
        if kept:
            text = (
                f"Kept as action {action.seq}, waiting for your confirmation "
                "(F3 Actions, then c)."
            )
        else:
            reason = f" ({action.state_reason})" if action.state_reason else ""
            text = f"Recorded as action {action.seq}: {action.state.value}{reason}."
        self._outcome(text, "error" if action.state.value == "denied" else "good")
        self.app.post_message(ActionRecorded(action))

    def _hide_buttons(self) -> None:
        """Hide the buttons; the focus, if on one of them, goes back home."""
        buttons = self.query_one(".buttons")
        buttons.display = False
        focus_home_if_within(buttons)

    def _outcome(self, text: str, tone: str) -> None:
        widget = self.query_one(".outcome", Static)
        widget.update(Content(text))
        widget.set_classes(f"outcome -{tone}")
        self._into_view()

    def _into_view(self) -> None:
        """Scroll the card into view once its new lines are laid out."""
        self.call_after_refresh(self.scroll_visible, animate=False)
