"""Fixtures of the terminal app's tests: a demo home, the app, a model seam."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings, load_settings
from edge_agent.llm import (
    ChatMessage,
    Completion,
    GenerationLimits,
    ModelLoader,
    ScriptedModel,
)
from edge_agent.ocr import LoadedEngine, TextBox
from edge_agent.tui import AppDeps, FieldApp, make_app
from edge_agent.tui.screens.new_action import NewActionScreen
from tests.edge_agent.ocr.samples import line_boxes

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
"""An order the demo policy asks the technician to confirm."""

GASKETS_PART = "4471-G10-131"
"""The README's hand order: two of this part (the demo policy asks the
technician to confirm it)."""

GASKETS_CALL = (
    '{"tool": "order_part", "args": {"part_number": "4471-G10-131", '
    '"quantity": 2, "job_id": "J-1001"}}'
)
"""The same order as the model's tool call."""


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo fleet loaded once: KB, jobs and the demo policy
    (installed by its first use).

    Why session scope: ingesting the manuals (one is a PDF) takes seconds; each
    test copies the folder, so none sees another's changes.
    """
    home = tmp_path_factory.mktemp("demo-home") / "home"
    assert edge_agent(["--home", str(home), "demo", "--no-start"]) == 0
    assert edge_agent(["--home", str(home), "policy", "show"]) == 0  # installs it
    return home


@pytest.fixture
def demo_home(isolated_home: Path, demo_template: Path) -> Path:
    """This test's own copy of the demo home, at ``EDGE_AGENT_HOME``."""
    shutil.copytree(demo_template, isolated_home)
    return isolated_home


@pytest.fixture
def settings(demo_home: Path) -> EdgeSettings:
    """Settings of the demo home, as the CLI loads them, with the model's
    explanations on (off by default) so that streaming and stopping a
    model's answer can be driven."""
    return load_settings(explain_answers=True)


def loader_of(model: Any) -> ModelLoader:
    """A loader that "loads" ``model`` at once (the seam for a scripted model)."""
    return ModelLoader(factory=lambda _path: model)


def offline_deps(chat_model: Any = None, **overrides: Any) -> AppDeps:
    """Seams for a test: a given model (or none), no centre in reach, no waits."""
    values: dict[str, Any] = {
        "model": None if chat_model is None else loader_of(chat_model),
        "reachable": lambda _url: False,
        "sleep": lambda _seconds: None,
    }
    return AppDeps(**{**values, **overrides})


@pytest.fixture
def scripted() -> ScriptedModel:
    """A scripted model with no replies queued; tests add what they need."""
    return ScriptedModel()


@pytest.fixture
def app(settings: EdgeSettings, scripted: ScriptedModel) -> FieldApp:
    """The app on the demo home, with the scripted model and no centre."""
    return make_app(settings, offline_deps(scripted))


def confident_model(replies: Sequence[str]) -> ScriptedModel:
    """A scripted model that is sure of every token it writes.

    Why: the demo policy denies actions the model proposed with low
    confidence, and a plain scripted model reports none; the policy's other
    rules (confirm, approve) need a confident proposal.
    """
    return ScriptedModel(replies, token_logprob=0.0)


class StallingModel:
    """A model that writes one sentence, then waits until it is cancelled.

    Why: cancelling must stop a model in the middle of an answer, which a
    scripted model (that replies at once) cannot show.
    """

    model_id = "stalling"

    def __init__(self) -> None:
        self.started = threading.Event()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(
        self,
        messages: Sequence[ChatMessage],
        limits: GenerationLimits,
        completion: Completion,
        *,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        yield "Prime the pump before the first start. "
        completion.completion_tokens = 1
        self.started.set()
        if limits.cancel.wait(timeout=30):
            completion.stop_reason = "cancelled"


class LabelEngine:
    """An OCR engine that reads the same label on every photo, at once.

    Why: the screens around a photo (the picker, the codes, corrections) need
    a reading, not a real engine's seconds of start-up and recognition.
    """

    name = "label"
    max_side = 2000

    def __init__(self, rows: Sequence[str] = ("P/N 4471-G10-131", "FAULT E-42")):
        self.rows = tuple(rows)

    def read(self, image: object) -> list[TextBox]:
        return line_boxes(self.rows)


def label_engine(_name: str) -> LoadedEngine:
    """Starts a :class:`LabelEngine` (the ``start_ocr`` seam)."""
    return LoadedEngine(LabelEngine())


def photo_folder(folder: Path) -> Path:
    """``folder`` with one blank photo in it, ``label.png``."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (640, 480), "white").save(folder / "label.png")
    return folder


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], *, timeout: float = 30.0
) -> None:
    """Let the app run until ``condition()`` holds (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the app did not get there in time"
        await pilot.pause(0.02)


async def submit(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Put ``text`` in the input box ``selector`` and press Enter.

    Long texts are set rather than typed: each key press costs a frame.
    """
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = text
    await pilot.press("enter")


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and the screen catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def form_ready(app: Any) -> bool:
    """The hand-proposal dialog shows its form, the focus in its first field."""
    screen = app.screen
    if not isinstance(screen, NewActionScreen):
        return False
    form = screen.form()
    return form is not None and app.focused is form.editor(form.fields[0].name)


async def open_form(pilot: Pilot[Any]) -> NewActionScreen:
    """``n`` on the queue; the dialog once its form has the focus."""
    await pilot.press("n")
    await wait_for(pilot, lambda: form_ready(pilot.app))
    screen = pilot.app.screen
    assert isinstance(screen, NewActionScreen)
    return screen


async def order_by_hand(pilot: Pilot[Any], part: str, quantity: str) -> None:
    """The order typed in the form as a technician types it: ``n``, the part,
    Enter, the quantity, Enter (the last box proposes)."""
    await open_form(pilot)
    await pilot.press(*part, "enter", *quantity, "enter")
