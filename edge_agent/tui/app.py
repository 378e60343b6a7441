"""``FieldApp``: the technician's terminal app, built by :func:`make_app`.

Six screens, one per mode (F1 to F6): chat, photo, actions, jobs, knowledge
base, sync. The first screen shows before anything heavy is imported; the
model loads in the background once it is up, the device's state is read in a
worker and kept in :attr:`FieldApp.status`, and every store is opened by the
worker that uses it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from edge_agent.config import EdgeSettings
from edge_agent.logs import log_file_hint
from edge_agent.tui.deps import AppDeps
from edge_agent.tui.failures import error_message, error_title
from edge_agent.tui.focus import focus_home, focus_is_lost
from edge_agent.tui.messages import ActionRecorded, ModelSettled, WorkerFailed
from edge_agent.tui.screens.actions import ActionsScreen
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.dialogs import ErrorScreen
from edge_agent.tui.screens.jobs import JobsScreen
from edge_agent.tui.screens.knowledge import KnowledgeScreen
from edge_agent.tui.screens.photos import PhotoScreen
from edge_agent.tui.screens.sync import SyncScreen
from edge_agent.tui.status import (
    MODEL_LOADING,
    MODEL_NONE,
    MODEL_OFF,
    MODEL_READY,
    StatusSnapshot,
)
from edge_agent.tui.widgets.nav_bar import PLACES

if TYPE_CHECKING:
    from textual.timer import Timer

    from edge_agent.jobs import Job
    from edge_agent.ocr import LoadedEngine

logger = logging.getLogger(__name__)

THEMES = {"dark": "textual-dark", "light": "textual-light"}


class FieldApp(App[None]):
    """The field assistant's terminal app; see :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "Field assistant"
    MODES = {
        "chat": ChatScreen,
        "photo": PhotoScreen,
        "actions": ActionsScreen,
        "jobs": JobsScreen,
        "knowledge": KnowledgeScreen,
        "sync": SyncScreen,
    }
    DEFAULT_MODE = "chat"
    BINDINGS = [
        *(
            Binding(place.key, f"switch_mode('{place.mode}')", place.label, show=False)
            for place in PLACES
        ),
        Binding("f10", "toggle_theme", "Theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "interrupt", "Stop", show=False, priority=True),
    ]

    status: reactive[StatusSnapshot | None] = reactive(None)
    """The device's state, read in a worker; ``None`` until the first read."""
    model_state: reactive[str] = reactive(MODEL_LOADING)
    """The model's state as the status bar words it."""
    job_context: reactive[Job | None] = reactive(None)
    """The job the conversation is about, chosen on the jobs screen."""
    outbox_version: reactive[int] = reactive(0)
    """Counts changes to the outbox made from the app (actions, syncs)."""

    def __init__(self, settings: EdgeSettings, deps: AppDeps) -> None:
        super().__init__()
        self.settings = settings
        self.deps = deps
        self.ocr: LoadedEngine | None = None
        """The OCR engine, once the photo screen has started it."""
        self.theme = THEMES[settings.theme]
        self.model_state = MODEL_OFF if deps.model is None else MODEL_LOADING
        self._interrupted = False
        """The last key was ctrl+c: another one quits."""
        self._status_timer: Timer | None = None

    # --- start-up ---------------------------------------------------------------

    def on_ready(self) -> None:
        """After the first frame: read the device's state, then (once it is
        shown) load the model in the background."""
        self.refresh_status()

    def watch_status(
        self, old: StatusSnapshot | None, new: StatusSnapshot | None
    ) -> None:
        if old is None and new is not None:
            self._check_ocr()
            self._warm_up_ranking()
            if self.deps.model is not None:
                self._wait_for_model()

    @work(thread=True, exit_on_error=False, group="ocr-check")
    def _check_ocr(self) -> None:
        notice = self.deps.check_ocr(self.settings.ocr_engine)
        if notice is not None:
            self.call_from_thread(
                self.notify, notice, title="Photos", severity="warning", timeout=10
            )

    @work(thread=True, exit_on_error=False, group="ranking")
    def _warm_up_ranking(self) -> None:
        self.deps.warm_up_ranking()

    @work(thread=True, exit_on_error=False, group="model")
    def _wait_for_model(self) -> None:
        model = self.deps.model
        if model is None:
            return
        loaded = model.wait()
        error = model.error
        self.post_message(
            ModelSettled(loaded is not None, error.message if error else "")
        )

    def on_model_settled(self, message: ModelSettled) -> None:
        # Loading llama.cpp silences the terminal for a moment: draw it all again.
        self.screen.refresh(repaint=True, layout=True)
        self.model_state = MODEL_READY if message.ready else MODEL_NONE
        if not message.ready:
            self.notify(
                f"{message.detail} Answers come from the knowledge base alone.",
                title="No model",
                severity="warning",
                timeout=10,
            )

    # --- the device's state ----------------------------------------------------------

    def refresh_status(self) -> None:
        """Read the device's state again (after a sync, an action, a while)."""
        self._read_status()

    def on_app_focus(self, _event: events.AppFocus) -> None:
        """Back in the terminal: the centre may have come or gone meanwhile."""
        self.refresh_status()

    @work(thread=True, exit_on_error=False, group="status", exclusive=True)
    def _read_status(self) -> None:
        from edge_agent.tui.tasks.status import read_status

        snapshot = read_status(self.settings, self.deps.reachable)
        self.call_from_thread(self._status_read, snapshot)

    def _status_read(self, snapshot: StatusSnapshot) -> None:
        """Show the state read, and read it again later: soon while an
        enrolled device cannot reach its centre, so the status bar says
        'online' shortly after the centre is back."""
        self.status = snapshot
        deps = self.deps
        waiting = snapshot.enrolled and not snapshot.online
        seconds = deps.offline_status_seconds if waiting else deps.status_seconds
        if self._status_timer is not None:
            self._status_timer.stop()
        self._status_timer = self.set_timer(seconds, self.refresh_status)

    def on_action_recorded(self, _message: ActionRecorded) -> None:
        self.outbox_changed()

    def outbox_changed(self) -> None:
        """Actions were recorded or changed: read the queue and the state again."""
        self.outbox_version += 1
        self.refresh_status()

    # --- errors --------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if event.state is WorkerState.ERROR and worker.error is not None:
            self.show_error(worker.error, attention=worker.group == "status")

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.show_error(message.error, attention=message.attention)

    def show_error(self, error: BaseException, *, attention: bool = False) -> None:
        """Say what went wrong: a notification when work can go on, a dialog
        when it needs attention or was unexpected (its traceback is logged)."""
        message = error_message(error)
        if message is None:
            logger.error("unexpected failure in the app", exc_info=error)
            text = f"Unexpected {type(error).__name__}: {error}. {log_file_hint()}"
            self.push_screen(ErrorScreen("Unexpected error", text.strip()))
            return
        if attention:
            showing = self.screen
            if not (isinstance(showing, ErrorScreen) and showing.message == message):
                self.push_screen(ErrorScreen(error_title(error), message))
        else:
            self.notify(message, title=error_title(error), severity="error", timeout=10)

    # --- keys ------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._keep_focus_reachable()
            if event.key != "ctrl+c":
                self._interrupted = False
        await super().on_event(event)

    async def action_interrupt(self) -> None:
        """ctrl+c: stop the answers being written; a second ctrl+c in a row
        quits (as ctrl+q does)."""
        if self._interrupted:
            await self.action_quit()
            return
        self._interrupted = True
        if self._stop_answers():
            self.notify("Answer stopped. ctrl+c again quits.", timeout=4)
        else:
            self.notify("ctrl+c again (or ctrl+q) quits.", title="Quit?", timeout=4)

    def _stop_answers(self) -> bool:
        """Cancel every answer being written; whether there was one."""
        stopped = False
        for screen in self.get_screen_stack("chat"):
            if isinstance(screen, ChatScreen):
                stopped = screen.stop_answers() or stopped
        return stopped

    def _keep_focus_reachable(self) -> None:
        """Before a key is dispatched: if the focused widget was removed or
        hidden, focus the screen's main widget, so the key reaches a binding."""
        screen = self.screen
        if focus_is_lost(screen):
            logger.debug("focus was on %r, gone; sent home", screen.focused)
            screen.set_focus(None)
            focus_home(screen)

    def action_toggle_theme(self) -> None:
        """Switch between the light and the dark theme."""
        dark = self.theme == THEMES["dark"]
        self.theme = THEMES["light"] if dark else THEMES["dark"]

    async def ask_in_chat(self, question: str) -> None:
        """Go to the chat and ask ``question`` (e.g. a code read from a photo)."""
        await self.switch_mode("chat")
        screen = self.screen
        if isinstance(screen, ChatScreen):
            screen.ask(question)


def make_app(settings: EdgeSettings, deps: AppDeps) -> FieldApp:
    """Build the app for ``settings`` with its seams (see :class:`AppDeps`)."""
    return FieldApp(settings, deps)
