"""An action the assistant proposes, as a card: the exact call, the policy's
decision with its reasons, and what the technician can do about it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import ReportsWorkerFailures
from edge_agent.tui.focus import focus_home_if_within
from edge_agent.tui.messages import ActionRecorded

if TYPE_CHECKING:
    from edge_agent.act.decided import Decided
    from edge_agent.tui.tasks.actions import Proposed
    from sync import QueuedAction

WAITING_TEXT = "Asking the model for one action…"


def joined_reasons(reasons: Iterable[object]) -> str:
    """Reasons on one line: sentences one after another, else with ``;``."""
    texts = [str(reason).strip() for reason in reasons]
    sentences = all(text.endswith((".", "!", "?")) for text in texts)
    return (" " if sentences else "; ").join(texts)


def decided_in_short(decided: Decided) -> str:
    """The call and the decision in a few lines (the dialog shows it all)."""
    from edge_agent.act.views import data_age_text, describe_args

    proposal, decision = decided.proposal, decided.decision
    reasons = joined_reasons(decision.reasons)
    return (
        f"{proposal.tool}: {describe_args(dict(proposal.args))}\n"
        f"Decision {str(decision.outcome).upper()} (policy v"
        f"{decision.bundle_version}): {reasons}\n"
        f"Data: {data_age_text(decided.freshness)}"
    )


class ProposalCard(ReportsWorkerFailures, Vertical):
    """One proposal from a request in words (``/do ...``) or typed by hand.

    ``allow`` and ``deny`` are recorded at once, as the command line does;
    ``confirm`` and ``approve`` wait for the technician: review and confirm
    (a dialog shows the exact payload), keep for later, or discard.
    """

    DEFAULT_CLASSES = "proposal"

    class OutcomeShown(Message):
        """The card's last line is shown: recorded, declined, or why nothing
        could be proposed (``card.recorded`` holds the action, if any)."""

        def __init__(self, card: ProposalCard, text: str, tone: str) -> None:
            super().__init__()
            self.card = card
            self.text = text
            self.tone = tone

    def __init__(
        self, request: str, proposed: Proposed | None = None, *, compact: bool = False
    ) -> None:
        """A card for ``request``; ``proposed`` when it is decided already.
        A ``compact`` card states the call and the decision in short and has
        one-line buttons."""
        super().__init__()
        self.set_class(compact, "-compact")
        self.request = request
        self.compact = compact
        self._decided_before = proposed
        self.proposed: Proposed | None = None
        self.recorded: QueuedAction | None = None
        self.settled = False
        self._close_when_settled = False
        self._mounted = False

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Action request: {self.request}"), classes="title")
        yield Static(Content(WAITING_TEXT), classes="decision")
        outcome = Static("", classes="outcome")
        outcome.display = False
        yield outcome
        buttons = Horizontal(classes="buttons")
        buttons.display = False
        with buttons:
            compact = self.compact
            yield Button(
                "Review and confirm", id="review", variant="primary", compact=compact
            )
            yield Button("Keep for later", id="later", compact=compact)
            yield Button("Discard", id="discard", variant="error", compact=compact)

    def on_mount(self) -> None:
        self._mounted = True
        if self._decided_before is not None:
            self.show_proposed(self._decided_before)

    def show_proposed(self, proposed: Proposed) -> None:
        """Show the decided proposal, or why there is none (once mounted: a
        decision that comes first waits for the card)."""
        from edge_agent.act.views import render_decided

        if not self._mounted:
            self._decided_before = proposed
            return
        self.proposed = proposed
        decided = proposed.decided
        if decided is None:
            self._outcome(proposed.problem, "error")
            self.query_one(".decision", Static).update(Content("Nothing to decide."))
            self.settled = True
            return
        outcome = str(decided.decision.outcome)
        self.add_class(f"-{outcome}")
        text = decided_in_short(decided) if self.compact else render_decided(decided)
        self.query_one(".decision", Static).update(Content(text))
        self._into_view()
        if decided.needs_confirmation and not decided.decision.denied:
            self.query_one(".buttons").display = True
            self.query_one("#review", Button).focus()
        else:
            self._settle(confirmed=False)

    @property
    def awaiting_answer(self) -> bool:
        """Decided, and waiting for the technician to confirm, keep or discard."""
        return not self.settled and self.query_one(".buttons").display

    def close(self) -> None:
        """Remove the card; one still waiting for an answer is declined first
        (nothing is queued, the turn's trace is kept), then removed."""
        if self.awaiting_answer:
            self._close_when_settled = True
            self._settle(confirmed=False)
            return
        self._remove_self()

    def _remove_self(self) -> None:
        screen = self.screen
        focus_home_if_within(self)
        self.remove()
        screen.call_after_refresh(screen.refresh_bindings)

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
            self._closed_if_asked()
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
        self._closed_if_asked()

    def _closed_if_asked(self) -> None:
        if self._close_when_settled:
            self._remove_self()

    def _hide_buttons(self) -> None:
        """Hide the buttons; the focus, if on one of them, goes back home."""
        buttons = self.query_one(".buttons")
        buttons.display = False
        focus_home_if_within(buttons)

    def _outcome(self, text: str, tone: str) -> None:
        widget = self.query_one(".outcome", Static)
        widget.update(Content(text))
        widget.set_classes(f"outcome -{tone}")
        widget.display = True
        self._into_view()
        self.post_message(self.OutcomeShown(self, text, tone))

    def _into_view(self) -> None:
        """Scroll the card into view once its new lines are laid out."""
        self.call_after_refresh(self.scroll_visible, animate=False)
