"""The top line: the screens and their keys, the current one marked, and the
knowledge base's name and version at the right."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from edge_agent.tui.context import field_app
from edge_agent.tui.status import StatusSnapshot


@dataclass(frozen=True, slots=True)
class Place:
    """One main screen: its mode name, its key and its label."""

    mode: str
    key: str
    label: str


PLACES = (
    Place("chat", "f1", "Chat"),
    Place("photo", "f2", "Photo"),
    Place("actions", "f3", "Actions"),
    Place("jobs", "f4", "Jobs"),
    Place("knowledge", "f5", "KB"),
    Place("sync", "f6", "Sync"),
)
"""The main screens, in the order of their keys."""


def places_content(current: str) -> Content:
    """`` F1 Chat  F2 Photo ...`` with the current screen standing out."""
    parts: list[str | tuple[str, str]] = []
    for place in PLACES:
        text = f" {place.key.upper()} {place.label} "
        parts.append((text, "bold reverse" if place.mode == current else "dim"))
        parts.append(" ")
    return Content.assemble(*parts)


def kb_label(status: StatusSnapshot | None) -> str:
    """``KB v3`` (``KB empty`` before anything is loaded)."""
    if status is None:
        return ""
    if status.kb_documents == 0:
        return "KB empty"
    return f"KB v{status.kb_version}"


class NavBar(Horizontal):
    """Shows where the technician is and how to get elsewhere (F1 to F6)."""

    def __init__(self, current: str) -> None:
        super().__init__(id="nav-bar")
        self._current = current

    def compose(self) -> ComposeResult:
        yield Static(places_content(self._current), id="nav-places")
        yield Static("", id="nav-kb")

    def on_mount(self) -> None:
        self.watch(field_app(self), "status", self._show_kb, init=True)

    def _show_kb(self, status: StatusSnapshot | None) -> None:
        self.query_one("#nav-kb", Static).update(Content(kb_label(status)))
