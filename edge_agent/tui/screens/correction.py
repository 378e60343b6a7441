"""Correcting a code the photo reader got wrong, by typing it as printed.

A code read with low confidence comes with its crop, the part of the photo it
was read from, shown above the box to type it in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from edge_agent.tui.widgets.code_crop import CodeCrop

if TYPE_CHECKING:
    from PIL.Image import Image


CROP_ROWS = 10
"""Rows the crop may take in the dialog: more than beside the list of codes."""


class CorrectionScreen(ModalScreen[str | None]):
    """Asks for the code as printed; dismisses with the typed text."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, read_as: str, kind: str, crop: Image | None = None) -> None:
        super().__init__()
        self.read_as = read_as
        self.kind = kind
        self.crop = crop

    def compose(self) -> ComposeResult:
        with Vertical(id="correction-dialog", classes="dialog"):
            yield Static(
                Content(f"Correct the {self.kind} read as {self.read_as}"),
                classes="title",
            )
            if self.crop is not None:
                yield Static(Content("On the photo:"), classes="hint")
                yield CodeCrop(self.crop, max_rows=CROP_ROWS, id="correction-crop")
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
