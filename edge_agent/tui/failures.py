"""Where failures in the app's workers go: one place shows them all.

Workers run with ``exit_on_error=False``. Every screen and widget that starts
workers mixes in :class:`ReportsWorkerFailures`, which forwards a failed
worker's error to the app as a :class:`~edge_agent.tui.messages.WorkerFailed`
message; ``FieldApp.show_error`` then says what went wrong.
"""

from __future__ import annotations

from typing import ClassVar

import click
from textual.worker import Worker, WorkerState

from edge_agent.errors import EdgeAgentError
from edge_agent.tui.messages import WorkerFailed

OUR_PACKAGES = frozenset({"edge_agent", "knowledge_cache", "sync", "policies"})


def error_message(error: BaseException) -> str | None:
    """The plain-language message of an error the technician can act on, or
    ``None`` for an unexpected one (a bug: its traceback goes to the log)."""
    if isinstance(error, EdgeAgentError):
        return error.message
    if isinstance(error, click.ClickException):
        return error.format_message()
    if type(error).__module__.partition(".")[0] in OUR_PACKAGES:
        return str(getattr(error, "message", "") or error)
    return None


def error_title(error: BaseException) -> str:
    """A short title for the error's notification or dialog."""
    title = getattr(error, "title", None)
    return str(title) if title else "Something went wrong"


class ReportsWorkerFailures:
    """Forwards the error of any failed worker started by this node to the app.

    A node that shows the failures of some worker groups itself names them in
    ``SHOWN_HERE``; their known errors are not reported twice (unexpected ones
    still are, so their tracebacks reach the log).
    """

    SHOWN_HERE: ClassVar[frozenset[str]] = frozenset()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        error = worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if worker.group in self.SHOWN_HERE and error_message(error) is not None:
            return
        worker.node.app.post_message(WorkerFailed(error))
