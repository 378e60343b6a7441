"""Small dialogs: an error that needs attention, a question, a long text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorScreen(ModalScreen[None]):
    """An error the technician must read before going on; Enter or Esc closes."""

    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog -error"):
            yield Static(Content(self.title_text), classes="title")
            with VerticalScroll():
                yield Static(Content(self.message), id="error-message")
            yield Static(Content("Enter or Esc to close"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class QuestionScreen(ModalScreen[bool]):
    """A yes-or-no question; ``y`` or ``n`` (Esc) answers."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="question-dialog", classes="dialog"):
            yield Static(Content(self.question), classes="title")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TextScreen(ModalScreen[None]):
    """A long read-only text (an action in full, with its history)."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="text-dialog", classes="dialog"):
            yield Static(Content(self.title_text), classes="title")
            with VerticalScroll():
                yield Static(Content(self.text))
            yield Static(Content("Esc to close"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
