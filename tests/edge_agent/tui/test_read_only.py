"""Read-only mode: an expired policy or the centre's kill switch is shown, and
no action can be queued; answers still work. A damaged record of that switch
holds every action for a supervisor."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from edge_agent.config import EdgeSettings
from edge_agent.depot.sync_state import (
    KillSwitch,
    SyncState,
    read_sync_state,
    write_sync_state,
)
from edge_agent.tui import make_app
from edge_agent.tui.widgets.proposal_card import ProposalCard
from tests.edge_agent.tui.conftest import (
    GASKETS_PART,
    offline_deps,
    open_form,
    settle,
    wait_for,
)


def expire_the_policy(home: Path) -> None:
    """Move the device's high-water time past the demo bundle's expiry, as a
    device whose clock has seen that time would have it."""
    state_file = home / "policy" / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["high_water"] = "2029-01-01T00:00:00Z"
    state_file.write_text(json.dumps(state), encoding="utf-8")


def banner_and_status(app) -> tuple[str, str]:
    banner = app.screen.query_one("#read-only-banner", Static)
    status = app.screen.query_one("#status-bar", Static)
    return (str(banner.content) if banner.display else ""), str(status.content)


async def test_an_expired_policy_shows_read_only_and_denies_actions(
    settings: EdgeSettings,
) -> None:
    expire_the_policy(settings.home)
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        await pilot.pause()
        banner, status = banner_and_status(app)
        assert banner.startswith("READ-ONLY  ") and "expired" in banner
        assert "no actions can be queued" in banner
        assert "policy v1 READ-ONLY" in status

        await pilot.press("f3")
        await settle(pilot)
        screen = await open_form(pilot)
        await pilot.press(*GASKETS_PART, "enter", "2")
        decision = screen.query_one("#new-action-decision", Static)
        await wait_for(pilot, lambda: str(decision.content).startswith("Denied: "))
        assert "expired" in str(decision.content)  # said before it is proposed
        await pilot.press("enter")
        card = None
        await wait_for(pilot, lambda: bool(app.screen.query(ProposalCard)))
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)
        assert card.recorded is not None and card.recorded.state.value == "denied"
        assert "expired" in card.recorded.state_reason
        assert banner_and_status(app)[0] == banner  # on every screen


async def test_the_centres_kill_switch_shows_read_only(settings: EdgeSettings) -> None:
    switch = KillSwitch(agent=True, reason="recall of batch 7")
    write_sync_state(settings.home, SyncState(kill_switch=switch))
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        await pilot.pause()
        banner, status = banner_and_status(app)
        assert "the centre has switched off all actions (recall of batch 7)" in banner
        assert "policy v1 READ-ONLY" in status


async def test_a_damaged_record_of_the_kill_switch_shows_actions_held(
    settings: EdgeSettings,
) -> None:
    (settings.home / "sync_state.json").write_bytes(b'{"kill_switch": ')
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        await pilot.pause()
        banner, status = banner_and_status(app)
        assert banner.startswith("ACTIONS HELD  ")
        assert "kill switch is damaged" in banner
        assert "policy v1 HELD" in status and "READ-ONLY" not in status


def test_the_held_switch_outlives_a_sync_that_never_reached_the_centre(
    tmp_path: Path,
) -> None:
    (tmp_path / "sync_state.json").write_bytes(b"\x00")
    damaged = read_sync_state(tmp_path)
    assert damaged.kill_switch.unreadable
    # A sync that could not reach the centre records its attempt only.
    write_sync_state(tmp_path, damaged.tried("2026-12-07T10:00:00Z"))
    assert read_sync_state(tmp_path).kill_switch.unreadable
    # What the centre sends replaces it.
    write_sync_state(tmp_path, SyncState(kill_switch=KillSwitch()))
    assert not read_sync_state(tmp_path).kill_switch.unreadable
