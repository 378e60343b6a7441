"""A banner over every screen while no actions can be queued, saying why."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from edge_agent.tui.status import StatusSnapshot


class ReadOnlyBanner(Static):
    """Shown when the policy is expired, missing or invalid, or the centre's
    kill switch is on, or when every action is held for a supervisor because
    the device's record of that switch was damaged; hidden otherwise."""

    def __init__(self) -> None:
        super().__init__("", id="read-only-banner")
        self.display = False

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show, init=True)

    def _show(self, status: StatusSnapshot | None) -> None:
        read_only = None if status is None else status.read_only
        held = None if status is None else status.held
        self.display = read_only is not None or held is not None
        if read_only is not None:
            self.update(Content(f"READ-ONLY  {read_only.removeprefix('Read-only: ')}"))
        elif held is not None:
            self.update(Content(f"ACTIONS HELD  {held}"))
