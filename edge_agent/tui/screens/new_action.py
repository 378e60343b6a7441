"""Proposing an action by hand: a tool and its arguments as JSON.

The proposal is checked and decided before the dialog closes, so a mistake
(an unknown part, a missing argument) is shown here with the typed text kept.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import ReportsWorkerFailures, error_message

if TYPE_CHECKING:
    from edge_agent.tui.tasks.actions import Proposed  # noqa: F401 (in a string)

ACTION_TOOLS = (
    "order_part",
    "create_work_order",
    "update_work_order",
    "close_work_order",
    "record_repair",
    "update_asset",
    "contact_customer",
    "escalate_to_supervisor",
)
EXAMPLES = {
    "order_part": '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}',
    "create_work_order": '{"asset_id": "PUMP-0451", "summary": "Replace seal"}',
    "update_work_order": '{"job_id": "J-1001", "note": "Waiting for parts"}',
    "close_work_order": '{"job_id": "J-1001", "resolution": "Seal replaced"}',
    "record_repair": '{"asset_id": "PUMP-0451", "work_done": "Replaced seal"}',
    "update_asset": '{"asset_id": "PUMP-0451", "field": "status", "value": "spare"}',
    "contact_customer": '{"job_id": "J-1001", "channel": "sms", "message": "Late"}',
    "escalate_to_supervisor": '{"summary": "Pump keeps tripping"}',
}


def parse_args(text: str) -> dict[str, Any]:
    """The arguments typed as a JSON object.

    Raises:
        ValueError: not JSON, or not an object; the message says which.
    """
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"The arguments are not JSON ({exc.msg}).") from exc
    if not isinstance(value, dict):
        raise ValueError('The arguments must be a JSON object: {"name": value}.')
    return value


class NewActionScreen(ReportsWorkerFailures, ModalScreen["Proposed | None"]):
    """Asks for a tool and its arguments; dismisses with the decided proposal."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="new-action-dialog", classes="dialog"):
            yield Static(Content("Propose an action by hand"), classes="title")
            yield Select(
                [(tool, tool) for tool in ACTION_TOOLS],
                value="order_part",
                allow_blank=False,
                id="tool",
            )
            yield Input(placeholder=EXAMPLES["order_part"], id="args")
            yield Static(
                Content("Enter decides it under the policy; Esc cancels."),
                id="new-action-problem",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#args", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one("#args", Input).placeholder = EXAMPLES.get(str(event.value), "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            args = parse_args(event.value.strip())
        except ValueError as exc:
            self._problem(str(exc))
            return
        self._problem("Checking it against the catalogue and the policy…", tone="")
        self._decide(str(self.query_one("#tool", Select).value), args)

    @work(thread=True, exit_on_error=False, exclusive=True)
    def _decide(self, tool: str, args: dict[str, Any]) -> None:
        from edge_agent.errors import ProposalError
        from edge_agent.tui.tasks.actions import propose_by_hand

        try:
            proposed = propose_by_hand(field_app(self).settings, tool, args)
        except ProposalError as exc:
            self.app.call_from_thread(self._problem, error_message(exc) or str(exc))
            return
        self.app.call_from_thread(self.dismiss, proposed)

    def _problem(self, text: str, tone: str = "-error") -> None:
        widget = self.query_one("#new-action-problem", Static)
        widget.update(Content(text))
        widget.set_classes(f"hint {tone}".strip())

    def action_close(self) -> None:
        self.dismiss(None)
