"""What every main screen has: the screen keys on top, the read-only banner,
the status bar and the key bindings at the bottom."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from edge_agent.tui.failures import ReportsWorkerFailures
from edge_agent.tui.widgets.nav_bar import NavBar
from edge_agent.tui.widgets.read_only_banner import ReadOnlyBanner
from edge_agent.tui.widgets.status_bar import StatusBar


class FieldScreen(ReportsWorkerFailures, Screen[None]):
    """A main screen; subclasses name their mode and compose their body."""

    MODE: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        yield ReadOnlyBanner()
        yield from self.compose_body()
        yield StatusBar()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the banner and the status bar."""
        yield from ()
