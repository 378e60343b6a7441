"""Screenshots of the main screens at 80x24, compared with reviewed ones.

Everything on screen is fixed: the demo data, a sync just now and a clock
stopped then (so the status bar reads "synced now", "jobs <1m", "KB <1m"
whatever the date), no timings, no temporary paths; the input cursor does not
blink. Update with
``pytest tests/edge_agent/tui/test_snapshots.py --snapshot-update`` and look
at every changed screenshot before keeping it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.widgets import Input

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings
from edge_agent.depot.sync_state import SyncState, write_sync_state
from edge_agent.device import device_id
from edge_agent.llm import ScriptedModel
from edge_agent.tui import make_app
from edge_agent.tui.deps import AppDeps
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.widgets.answer_view import AnswerView
from sync import ActionState, Outbox
from tests.edge_agent.tui.conftest import (
    GASKETS,
    offline_deps,
    settle,
    wait_for,
)

pytestmark = pytest.mark.snapshot
SIZE = (80, 24)


@pytest.fixture
def still(settings: EdgeSettings) -> Callable[..., AppDeps]:
    """Seams as :func:`offline_deps` gives them, after a sync just now, with
    the clock stopped at that sync."""
    now = datetime.now(UTC).replace(microsecond=0)
    write_sync_state(settings.home, SyncState(last_sync_at=now.isoformat()))

    def deps(chat_model: object = None) -> AppDeps:
        return offline_deps(chat_model, clock=lambda: now)

    return deps


async def steady(pilot) -> None:
    """Wait for every worker, then stop the cursor blinking."""
    await settle(pilot)
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


async def answer_e42(pilot) -> None:
    await steady(pilot)
    await pilot.press("E", "-", "4", "2", "enter")
    view = pilot.app.screen.query_one(AnswerView)
    await wait_for(pilot, lambda: view.finished)
    await steady(pilot)


def test_chat_with_a_code_answer(snap_compare, settings: EdgeSettings, still) -> None:
    app = make_app(settings, still(ScriptedModel()))
    assert snap_compare(app, terminal_size=SIZE, run_before=answer_e42)


def test_chat_in_the_light_theme(snap_compare, settings: EdgeSettings, still) -> None:
    light = settings.model_copy(update={"theme": "light"})
    app = make_app(light, still(ScriptedModel()))
    assert snap_compare(app, terminal_size=SIZE, run_before=answer_e42)


def test_the_confirmation_dialog(snap_compare, settings: EdgeSettings, still) -> None:
    # The sync just now: the data the order rests on reads "from just now"
    # whatever the date the test runs on.
    # Without a terminal, the command line keeps the order for later.
    assert edge_agent(["actions", "create", "order_part", "--args", GASKETS]) == 0
    app = make_app(settings, still())

    async def confirm_from_the_queue(pilot) -> None:
        await steady(pilot)
        await pilot.press("f3")
        await steady(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=confirm_from_the_queue)


def test_the_queue(snap_compare, settings: EdgeSettings, still) -> None:
    for _ in range(4):
        code = edge_agent(
            ["actions", "create", "order_part", "--args", GASKETS, "--yes", "--again"]
        )
        assert code == 0
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        keys = [a.key for a in sorted(box.list(limit=10), key=lambda a: a.seq)]
        box.mark_sent(keys[:3], at)
        box.mark_result(keys[0], ActionState.APPLIED, "ordered", at=at)
        box.mark_result(keys[1], ActionState.QUARANTINED, "over the site budget", at=at)
        box.mark_result(keys[2], ActionState.REJECTED, "part withdrawn", at=at)
    app = make_app(settings, still())

    async def open_queue(pilot) -> None:
        await steady(pilot)
        await pilot.press("f3")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_queue)


def test_the_jobs(snap_compare, settings: EdgeSettings, still) -> None:
    # The job book as the demo file dates it, confirmed by the sync just now:
    # the screen reads the same whatever the date the test runs on.
    book = json.loads(settings.layout.jobs_file.read_text("utf-8"))
    book["received_at"] = "2026-11-23T06:30:00Z"
    settings.layout.jobs_file.write_text(json.dumps(book), "utf-8")
    app = make_app(settings, still())

    async def open_jobs(pilot) -> None:
        await steady(pilot)
        await pilot.press("f4")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_jobs)
