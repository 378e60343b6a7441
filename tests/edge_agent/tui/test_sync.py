"""Sync from the app: a real centre on loopback, no centre, no enrolment."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from textual.notifications import Notify
from textual.widgets import DataTable, Log, ProgressBar, Static

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings
from edge_agent.depot.enrolment import Credentials, write_credentials
from edge_agent.device import device_id
from edge_agent.tui import make_app
from edge_agent.tui.messages import SyncProgressed
from edge_agent.tui.reachability import centre_reachable
from edge_agent.tui.screens.actions import ActionsScreen
from edge_agent.tui.screens.sync import SyncScreen
from tests.edge_agent.tui.conftest import GASKETS, offline_deps, wait_for

IMPELLERS = '{"part_number": "4471-A20-339", "quantity": 2, "job_id": "J-1001"}'
"""An order over the technician's limit: a supervisor must approve it."""


def queue(*orders: str) -> None:
    for order in orders:
        code = edge_agent(
            ["actions", "create", "order_part", "--args", order, "--yes", "--again"]
        )
        assert code == 0


def text(screen: SyncScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def sync_now(pilot) -> SyncScreen:
    await pilot.press("f6")
    screen = pilot.app.screen
    assert isinstance(screen, SyncScreen)
    await pilot.press("s")
    await wait_for(pilot, lambda: not screen.running and screen.summary_shown)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def governance_options(tmp_path: Path) -> list[str]:
    """The options of ``edge-governance`` for the test's centre (see ``centre``)."""
    data = tmp_path / "centre"
    url = f"sqlite:///{data / 'governance.db'}"
    return ["--data-dir", str(data), "--database-url", url, "--as", "sam"]


@pytest.fixture
def centre(tmp_path: Path, demo_home: Path, capsys) -> Iterator[str]:
    """The central service on 127.0.0.1 with the demo policy, this home enrolled.

    Why: the sync screen must push to and pull from the real service, exactly
    as ``edge-agent sync`` does (see tests/test_end_to_end.py).
    """
    from policies.defaults import SOURCE_DIR
    from sync.server.__main__ import main as governance
    from sync.server.app import create_app
    from sync.server.settings import ServerSettings
    from tests.sync.server.live import serving

    base = governance_options(tmp_path)
    data = tmp_path / "centre"
    url = f"sqlite:///{data / 'governance.db'}"
    assert governance([*base, "policy", "publish", str(SOURCE_DIR)]) == 0
    capsys.readouterr()
    assert governance([*base, "device", "enroll-token"]) == 0
    token = capsys.readouterr().out.split()[0]
    app = create_app(ServerSettings(data_dir=data, database_url=url))
    with serving(app) as server:
        assert edge_agent(["enroll", "--server", server, "--token", token]) == 0
        yield server


@pytest.mark.server
async def test_sync_pushes_the_queue_and_shows_what_the_centre_did(
    centre: str, settings: EdgeSettings
) -> None:
    queue(GASKETS, IMPELLERS)
    seen: list[object] = []
    app = make_app(settings, offline_deps(reachable=centre_reachable))
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await sync_now(pilot)

        summary = text(screen, "#sync-summary")
        assert summary.startswith("Sent 2 action(s): 1 applied, 1 quarantined, 0 rej")
        assert "   2 order_part: quarantined (" in summary
        assert summary.splitlines()[-1].startswith("0 still queued; last sync at 20")
        steps = [m.progress.stage for m in seen if isinstance(m, SyncProgressed)]
        assert steps[0] == "push" and "pulled" in steps
        assert screen.query_one("#sync-log", Log).line_count >= 2
        await wait_for(pilot, lambda: app.status is not None and app.status.online)
        status = str(screen.query_one("#status-bar", Static).content)
        assert status.startswith("online │ 0 queued │ synced now │ jobs <1m │ KB <1m")

        await pilot.press("f3")
        queue_screen = app.screen
        assert isinstance(queue_screen, ActionsScreen)
        table = queue_screen.query_one("#queue", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        states = sorted(str(table.get_row_at(i)[1]) for i in range(2))
        assert states == ["applied", "quarantined"]


@pytest.mark.server
async def test_a_kill_switch_reset_at_the_centre_says_actions_are_back_on(
    centre: str, settings: EdgeSettings, tmp_path: Path, capsys
) -> None:
    from sync.server.__main__ import main as governance

    def switch(state: str) -> None:
        device = ["--device", device_id(settings.home)]
        assert (
            governance([*governance_options(tmp_path), "kill-switch", *device, state])
            == 0
        )
        capsys.readouterr()

    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    switch("on")
    app = make_app(settings, offline_deps(reachable=centre_reachable))
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = await sync_now(pilot)
        assert "Switched off by the centre: all actions." in text(
            screen, "#sync-summary"
        )
        await wait_for(pilot, lambda: app.status is not None and app.status.read_only)
        assert not any("back on" in note for note in notes)

        switch("off")
        screen = await sync_now(pilot)
        back_on = "Actions are back on: the centre reset its kill switch."
        assert back_on in text(screen, "#sync-summary").splitlines()
        await wait_for(pilot, lambda: back_on in notes)
        await wait_for(
            pilot, lambda: app.status is not None and not app.status.read_only
        )


async def test_with_no_centre_in_reach_sync_says_offline_and_keeps_the_queue(
    settings: EdgeSettings,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    write_credentials(
        settings.home,
        Credentials(
            device_id=device_id(settings.home),
            secret=SecretStr("s" * 32),
            server_url=closed,
            technician_id="technician",
            enrolled_at="2026-03-02T07:00:00+00:00",
        ),
    )
    queue(GASKETS, GASKETS)
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await sync_now(pilot)

        assert text(screen, "#sync-summary") == "offline: 2 queued, last sync at never"
        assert screen.query_one("#sync-summary").has_class("-warning")
        assert app.status is not None and app.status.queued == 2
        log = screen.query_one("#sync-log", Log)
        assert [str(line) for line in log.lines] == ["Sending 2 action(s) (0/2)"]
        bar = screen.query_one("#sync-progress", ProgressBar)
        assert (bar.progress, bar.total) == (0, 2)  # nothing went


async def test_sync_before_enrolment_says_how_to_enrol(settings: EdgeSettings) -> None:
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await sync_now(pilot)

        summary = text(screen, "#sync-summary")
        assert summary.startswith("Sync failed: This device is not enrolled")
        assert "edge-agent enroll --server URL --token TOKEN" in summary
        assert "not enrolled yet" in text(screen, "#sync-centre")
