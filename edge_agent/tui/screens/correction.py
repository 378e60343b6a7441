"""Correcting a code the photo reader got wrong, by typing it as printed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class CorrectionScreen(ModalScreen[str | None]):
    """Asks for the code as printed; dismisses with the typed text."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, read_as: str, kind: str) -> None:
        super().__init__()
        self.read_as = read_as
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(id="correction-dialog", classes="dialog"):
            yield Static(
                Content(f"Correct the {self.kind} read as {self.read_as}"),
                classes="title",
            )
            yield Input(value=self.read_as, id="corrected")
            yield Static(
                Content("Type it as printed, then Enter; Esc keeps the reading."),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#corrected", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_close(self) -> None:
        self.dismiss(None)
