"""Sync: push what is queued and pull what the centre has, with progress.

``s`` starts a sync in a worker; each step of the run is shown as it happens,
then the summary: what the centre did with each action, and what came back
(results, policy, knowledge base, jobs, kill switches). No centre in reach is
a state, not an error: the summary says ``offline`` and nothing is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Log, ProgressBar, Static
from textual.worker import Worker, WorkerState

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import error_message
from edge_agent.tui.messages import SyncFinished, SyncProgressed
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.status import StatusSnapshot

if TYPE_CHECKING:
    from sync import Progress

IDLE = "Press s to sync with the centre (at the depot, or wherever it is in reach)."


def centre_line(status: StatusSnapshot | None) -> str:
    """Where the centre is and whether this device may talk to it."""
    if status is None:
        return "Reading the device's state…"
    if not status.enrolled:
        return (
            "This device is not enrolled yet: run 'edge-agent enroll --server URL "
            "--token TOKEN' at the depot. Queued actions stay here until then."
        )
    reach = "in reach" if status.online else "not in reach right now"
    return f"Centre {status.server_url}: {reach}. {status.queued} action(s) to send."


class SyncScreen(FieldScreen):
    """Starting a sync and following it."""

    MODE = "sync"
    AUTO_FOCUS = "#sync-log"
    SHOWN_HERE = frozenset({"sync"})
    BINDINGS = [Binding("s", "sync", "Sync now")]

    def __init__(self) -> None:
        super().__init__()
        self.summary: dict[str, Any] | None = None
        self.summary_shown = False
        """A run ended and its outcome (summary or failure) is on screen."""
        self._to_send = 0
        """Actions waiting in line when the running sync started."""

    def compose_body(self) -> ComposeResult:
        yield Static(Content(centre_line(None)), id="sync-centre")
        yield ProgressBar(id="sync-progress", total=1, show_eta=False)
        yield Log(id="sync-log", auto_scroll=True)
        yield Static(Content(IDLE), id="sync-summary")

    def on_mount(self) -> None:
        self.watch(field_app(self), "status", self._show_centre, init=True)

    def _show_centre(self, status: StatusSnapshot | None) -> None:
        self.query_one("#sync-centre", Static).update(Content(centre_line(status)))

    @property
    def running(self) -> bool:
        return any(w.group == "sync" and w.is_running for w in self.workers)

    def action_sync(self) -> None:
        """Start a sync, unless one is running."""
        if self.running:
            self.notify("A sync is running already.", timeout=4)
            return
        self.summary_shown = False
        self._to_send = 0
        self.query_one("#sync-log", Log).clear()
        self.query_one("#sync-progress", ProgressBar).update(total=None, progress=0)
        self._summary("Syncing…", "")
        self._sync()

    @work(thread=True, exit_on_error=False, group="sync")
    def _sync(self) -> None:
        from edge_agent.depot.sync_run import run_sync

        def progressed(step: Progress) -> None:
            self.post_message(SyncProgressed(step))

        app = field_app(self)
        summary = run_sync(app.settings, progress=progressed, sleep=app.deps.sleep)
        self.post_message(SyncFinished(summary))

    def on_sync_progressed(self, message: SyncProgressed) -> None:
        step = message.progress
        self._to_send = step.total
        count = f" ({step.sent}/{step.total})" if step.total else ""
        self.query_one("#sync-log", Log).write_line(f"{step.message}{count}")
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=max(step.total, 1), progress=step.sent)

    def on_sync_finished(self, message: SyncFinished) -> None:
        from edge_agent.depot.sync_run import back_on_message, render_summary

        self.summary = message.summary
        reached = bool(message.summary.get("reached"))
        bar = self.query_one("#sync-progress", ProgressBar)
        if self._to_send:  # what was really sent, not what was tried
            bar.update(total=self._to_send, progress=message.summary["sent"])
        else:
            bar.update(total=1, progress=1 if reached else 0)
        tone = "-good" if reached else "-warning"
        self._summary(render_summary(message.summary), tone)
        self.summary_shown = True
        back_on = back_on_message(message.summary)
        if back_on is not None:
            self.notify(back_on, title="Kill switch reset", timeout=10)
        field_app(self).outbox_changed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if worker.group == "sync" and event.state is WorkerState.ERROR:
            error = worker.error
            message = (error_message(error) if error else None) or "The sync failed."
            self._summary(f"Sync failed: {message}", "-error")
            self.summary_shown = True
            self.query_one("#sync-progress", ProgressBar).update(total=1, progress=0)

    def _summary(self, text: str, tone: str) -> None:
        widget = self.query_one("#sync-summary", Static)
        widget.update(Content(text))
        widget.set_classes(tone)
