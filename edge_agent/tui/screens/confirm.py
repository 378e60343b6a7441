"""The confirmation dialog: the exact payload, the decision and who confirms."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from edge_agent.tui.confirmation import ConfirmationRequest


class ConfirmActionScreen(ModalScreen[bool]):
    """Asks the technician to confirm one exact action; dismisses with the answer.

    The confirmation is bound to the payload's hash, the technician and the
    policy version shown here: a changed payload needs a new confirmation.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Confirm"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, request: ConfirmationRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        reasons = "\n".join(f"  - {reason}" for reason in request.reasons)
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Content("Confirm this exact action?"), classes="title")
            yield Static(
                Content(
                    f"{request.tool} ({request.action_type}): policy version "
                    f"{request.bundle_version} says {request.outcome.upper()}\n"
                    + reasons
                )
            )
            if request.data_age:
                yield Static(
                    Content(f"Data it rests on: {request.data_age}"), id="data-age"
                )
            yield Static(Content("Payload, exactly as it will be queued:"))
            with VerticalScroll(classes="payload"):
                yield Static(Content(request.payload_text), id="payload")
            if request.origins:
                yield Static(
                    Content("Not typed by you:\n" + request.origins_text),
                    id="origins",
                )
            if request.interactive:
                yield Static(
                    Content(
                        "The policy asks you to confirm this here, having read "
                        "it: --yes cannot."
                    ),
                    id="at-a-prompt",
                )
            yield Static(
                Content(
                    f"Payload hash {request.payload_hash[:16]}…\n"
                    f"Confirmed by {request.technician_id} (role {request.role}), "
                    "now, for this payload and policy version only.\n"
                    + request.what_happens
                ),
                id="who-confirms",
            )
            with Horizontal(classes="buttons"):
                yield Button("Confirm (y)", id="yes", variant="success")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, confirmed: bool) -> None:
        self.dismiss(confirmed)
