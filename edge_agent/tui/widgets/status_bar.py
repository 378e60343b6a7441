"""The bottom status line: connection, queue, last sync, policy, model."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

from edge_agent.tui.context import field_app
from edge_agent.tui.status import SEPARATOR, StatusPiece, fit_pieces, status_pieces

TONE_STYLES = {
    "good": "bold $success",
    "warning": "bold $warning",
    "error": "bold $error",
    "plain": "",
}


class StatusBar(Static):
    """The device's state, kept current by watching the app's status."""

    def __init__(self) -> None:
        super().__init__("", id="status-bar")

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._refresh_status, init=False)
        self.watch(self.app, "model_state", self._refresh_status, init=False)
        self._refresh_status()

    def on_resize(self) -> None:
        self._refresh_status()

    def _refresh_status(self, _value: Any = None) -> None:
        app = field_app(self)
        pieces = status_pieces(app.status, app.model_state, app.deps.clock())
        self.update(render_pieces(fit_pieces(pieces, self.size.width or 80)))


def render_pieces(pieces: list[StatusPiece]) -> Content:
    parts: list[str | tuple[str, str]] = []
    for index, piece in enumerate(pieces):
        if index:
            parts.append((SEPARATOR, "dim"))
        parts.append((piece.text, TONE_STYLES[piece.tone]))
    return Content.assemble(*parts)
