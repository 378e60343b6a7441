"""Whether the centre is in reach: the chat's first line and the status bar
say the same, and a centre that comes back is seen soon."""

from __future__ import annotations

from pydantic import SecretStr
from textual import events
from textual.widgets import Static

from edge_agent.config import EdgeSettings
from edge_agent.depot.enrolment import Credentials, write_credentials
from edge_agent.device import device_id
from edge_agent.tui import make_app
from tests.edge_agent.tui.conftest import offline_deps, wait_for


class Centre:
    """Whether the (pretend) centre answers a reachability probe.

    Why: the centre coming and going is the point of these tests; the seam
    is the app's ``reachable`` probe.
    """

    def __init__(self, up: bool) -> None:
        self.up = up
        self.probes = 0

    def __call__(self, _url: str) -> bool:
        self.probes += 1
        return self.up


def enrol(settings: EdgeSettings) -> None:
    write_credentials(
        settings.home,
        Credentials(
            device_id=device_id(settings.home),
            secret=SecretStr("s" * 32),
            server_url="http://centre.invalid:8000",
            technician_id="technician",
            enrolled_at="2026-03-02T07:00:00+00:00",
        ),
    )


def shown(app) -> tuple[str, str]:
    """The chat's welcome line and the status bar's first piece."""
    welcome = str(app.screen.query_one("#welcome", Static).content)
    status = str(app.screen.query_one("#status-bar", Static).content)
    return welcome.split(". ")[0], status.split(" │ ")[0]


async def test_the_welcome_and_the_status_bar_agree_on_the_connection(
    settings: EdgeSettings,
) -> None:
    enrol(settings)
    centre = Centre(up=True)
    app = make_app(settings, offline_deps(reachable=centre))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        await pilot.pause()
        assert shown(app) == ("Field assistant, online", "online")

        centre.up = False
        app.refresh_status()
        await wait_for(pilot, lambda: app.status is not None and not app.status.online)
        await pilot.pause()
        assert shown(app) == ("Field assistant, offline", "offline")


async def test_a_centre_back_in_reach_is_seen_soon_without_waiting_the_full_round(
    settings: EdgeSettings,
) -> None:
    enrol(settings)
    centre = Centre(up=False)
    deps = offline_deps(
        reachable=centre, status_seconds=3600, offline_status_seconds=0.05
    )
    app = make_app(settings, deps)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        assert not app.status.online

        centre.up = True
        await wait_for(pilot, lambda: app.status is not None and app.status.online)
        await pilot.pause()
        assert shown(app) == ("Field assistant, online", "online")
        probes = centre.probes
        await pilot.pause(0.3)
        assert centre.probes == probes  # online: back to the long round


async def test_coming_back_to_the_terminal_reads_the_state_again(
    settings: EdgeSettings,
) -> None:
    enrol(settings)
    centre = Centre(up=False)
    deps = offline_deps(
        reachable=centre, status_seconds=3600, offline_status_seconds=3600
    )
    app = make_app(settings, deps)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.status is not None)
        assert not app.status.online

        centre.up = True
        app.post_message(events.AppFocus())
        await wait_for(pilot, lambda: app.status is not None and app.status.online)
