"""``edge-agent enroll`` and ``edge-agent sync`` on a real home, without a centre."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from edge_agent.__main__ import main
from edge_agent.cli.root import cli
from edge_agent.cli.sync import enroll, render_summary, sync_command
from edge_agent.config import load_settings
from edge_agent.depot.enrolment import Credentials, read_credentials, write_credentials
from edge_agent.depot.sync_run import run_sync
from edge_agent.device import device_id

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'


@pytest.fixture(autouse=True)
def sync_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the commands on the CLI group, as root.py does once wired."""
    monkeypatch.setitem(cli.commands, "enroll", enroll)
    monkeypatch.setitem(cli.commands, "sync", sync_command)


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo_home(capsys, isolated_home: Path) -> Path:
    """A home with the demo KB, jobs and policy, and one order queued."""
    assert main(["demo", "--no-start"]) == 0
    assert main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
    capsys.readouterr()
    return isolated_home


def enrolled(home: Path, url: str) -> Credentials:
    credentials = Credentials(
        device_id=device_id(home),
        secret=SecretStr("s" * 32),
        server_url=url,
        technician_id="technician",
        enrolled_at="2026-03-02T07:00:00+00:00",
    )
    write_credentials(home, credentials)
    return credentials


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_centre_reachable_is_a_state_not_an_error(
    demo_home, closed_port, capsys
) -> None:
    enrolled(demo_home, f"http://127.0.0.1:{closed_port}")
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    assert out.splitlines()[-1] == "offline: 1 queued, last sync at never"
    (action,) = json.loads(run(capsys, "actions", "list", "--json")[1])
    assert action["state"] == "queued"
    code, out, _ = run(capsys, "sync", "--json")
    summary = json.loads(out)
    assert (code, summary["reached"], summary["queued"]) == (0, False, 1)
    assert summary["actions"][0]["status"] == "retry"
    state = json.loads((demo_home / "sync_state.json").read_text())
    assert state["last_attempt_at"] and state["last_sync_at"] is None


def test_the_server_flag_overrides_the_enrolment_address(
    demo_home, closed_port, capsys
) -> None:
    enrolled(demo_home, "http://centre.invalid")
    url = f"http://127.0.0.1:{closed_port}"
    code, out, _ = run(capsys, "sync", "--server", url, "--json")
    assert code == 0
    assert json.loads(out)["server"] == url


def test_a_sync_sends_its_requests_over_the_transport_it_is_given(
    demo_home,
) -> None:
    enrolled(demo_home, "https://centre.invalid")
    seen: list[str] = []

    def offline(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        raise httpx.ConnectError("no route to the centre", request=request)

    summary = run_sync(
        load_settings(home=demo_home),
        progress=lambda _step: None,
        sleep=lambda _seconds: None,
        transport=httpx.MockTransport(offline),
    )

    assert (summary["reached"], summary["queued"]) == (False, 1)
    assert seen and set(seen) == {"/v1/push"}


def test_sync_before_enrolment_says_how_to_enrol(demo_home, capsys) -> None:
    code, out, err = run(capsys, "sync")
    assert code == 1 and out == ""
    assert "edge-agent enroll --server URL --token TOKEN" in err


def test_enrolment_without_a_centre_fails_and_stores_nothing(
    isolated_home, closed_port, capsys
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    code, _, err = run(capsys, "enroll", "--server", url, "--token", "token-1234")
    assert code == 1
    assert "Cannot reach the centre" in err
    assert read_credentials(isolated_home) is None


def test_a_server_address_must_be_http(isolated_home, capsys) -> None:
    code, _, err = run(capsys, "enroll", "--server", "centre:80", "--token", "t" * 8)
    assert code == 2
    assert "http://" in err


def test_credentials_are_readable_by_their_owner_only(isolated_home) -> None:
    isolated_home.mkdir(parents=True)
    enrolled(isolated_home, "http://centre.test")
    mode = stat.S_IMODE((isolated_home / "credentials.json").stat().st_mode)
    assert mode == 0o600
    credentials = read_credentials(isolated_home)
    assert credentials is not None
    assert "s" * 32 not in repr(credentials)


def test_the_summary_shows_each_action_and_each_update() -> None:
    summary = {
        "reached": True,
        "stopped": None,
        "sent": 2,
        "counts": {"applied": 1, "quarantined": 1, "rejected": 0},
        "actions": [
            {"seq": 1, "tool": "order_part", "status": "applied", "reason": ""},
            {
                "seq": 2,
                "tool": "order_part",
                "status": "quarantined",
                "reason": "over budget",
            },
        ],
        "parts": [{"part": "policy", "message": "Policy version 8 is active."}],
        "kill_switch": {"agent": False, "tools": ["order_part"], "reason": "recall"},
        "switched_back_on": {"agent": False, "tools": ["contact_customer"]},
        "queued": 0,
        "last_sync_at": "2026-03-02T08:00:00+00:00",
    }
    text = render_summary(summary)
    assert "Sent 2 action(s): 1 applied, 1 quarantined, 0 rejected." in text
    assert "   2 order_part: quarantined (over budget)" in text
    assert "policy: Policy version 8 is active." in text
    assert "Switched off by the centre: order_part. recall" in text
    assert "Back on: contact_customer (the centre reset its kill switch)." in text
    assert text.endswith("0 still queued; last sync at 2026-03-02T08:00:00+00:00.")


def test_a_switch_that_went_off_is_back_on_and_one_still_on_is_not() -> None:
    from edge_agent.depot.sync_run import switched_back_on
    from edge_agent.depot.sync_state import KillSwitch

    everything = KillSwitch(agent=True, reason="storm")
    two_tools = KillSwitch(tools=("order_part", "contact_customer"))
    assert switched_back_on(everything, KillSwitch()) == {"agent": True, "tools": []}
    assert switched_back_on(two_tools, KillSwitch(tools=("order_part",))) == {
        "agent": False,
        "tools": ["contact_customer"],
    }
    assert switched_back_on(two_tools, everything) == {"agent": False, "tools": []}
    assert switched_back_on(KillSwitch(), KillSwitch()) == {"agent": False, "tools": []}
