"""A revoked device hands over what it queued, on loopback with both CLIs.

The technician's ``edge-agent`` and the supervisor's ``edge-governance`` run
for real against the central service served by uvicorn on 127.0.0.1, with
SQLite files in temporary folders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from edge_agent.__main__ import main as edge_agent
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.cli_runs import run_ok as run
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
SEALS = '{"part_number": "4471-G10-131", "quantity": 1, "job_id": "J-1001"}'
TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")


def refused(capsys, command, *args: str) -> str:
    """Run a command that must fail with exit 1; its error text."""
    code = command(list(args))
    out, err = capsys.readouterr()
    assert code == 1, f"{args}: exit {code}\n{out}\n{err}"
    return err


def token_in(text: str) -> str:
    found = TOKEN.search(text)
    assert found is not None, text
    return found.group()


def order(capsys, args: str) -> None:
    run(capsys, edge_agent, "actions", "create", "order_part", "--args", args, "--yes")


def states(capsys) -> dict[int, str]:
    out = run(capsys, edge_agent, "actions", "list", "--json")
    return {action["seq"]: action["state"] for action in json.loads(out)}


def test_a_revoked_device_hands_over_its_queued_actions_once(
    tmp_path: Path, capsys
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    run(capsys, governance, *base, "policy", "publish", str(SOURCE_DIR))
    first_token = token_in(run(capsys, governance, *base, "device", "enroll-token"))
    run(capsys, edge_agent, "demo", "--no-start")
    app = create_app(ServerSettings(data_dir=centre, database_url=url))

    with serving(app) as server:
        run(capsys, edge_agent, "enroll", "--server", server, "--token", first_token)
        (listed,) = json.loads(
            run(capsys, governance, *base, "device", "list", "--json")
        )
        device_id = listed["device_id"]
        order(capsys, GASKETS)  # queued offline, before the revocation

        run(capsys, governance, *base, "device", "revoke", device_id)
        order(capsys, SEALS)  # recorded after the revocation
        err = refused(capsys, edge_agent, "sync", "--server", server)
        assert f"edge-governance device handover {device_id}" in err
        assert "edge-agent enroll" in err
        assert states(capsys) == {1: "queued", 2: "queued"}

        # An ordinary token does not undo the revocation, and is not spent.
        plain = token_in(run(capsys, governance, *base, "device", "enroll-token"))
        err = refused(
            capsys, edge_agent, "enroll", "--server", server, "--token", plain
        )
        assert f"device handover {device_id}" in err

        out = run(capsys, governance, *base, "device", "handover", device_id)
        run(capsys, edge_agent, "enroll", "--server", server, "--token", token_in(out))
        run(capsys, edge_agent, "sync", "--server", server)
        assert states(capsys) == {1: "applied", 2: "quarantined"}

        # The centre holds each action once, attributed to the technician and
        # the device; the late one waits for review, naming the revocation.
        review = json.loads(run(capsys, governance, *base, "review", "list", "--json"))
        (late,) = review
        assert late["device_id"] == device_id and late["seq"] == 2
        shown = run(capsys, governance, *base, "review", "show", late["key"][:8])
        assert "after this device was revoked" in shown and "allowed by sam" in shown
        page = run(capsys, governance, *base, "device", "show", device_id)
        assert "hand-over: revoked" in page and "allowed by sam" in page
        (device,) = json.loads(
            run(capsys, governance, *base, "device", "list", "--json")
        )
        assert device["state"] == "active"
        assert device["actions"] == {"applied": 1, "quarantined": 1}
        (handover,) = device["handovers"]
        assert handover["allowed_by"] == "sam" and handover["enrolled_at"]

        # Syncing again sends nothing twice.
        run(capsys, edge_agent, "sync", "--server", server)
        again = json.loads(run(capsys, governance, *base, "device", "list", "--json"))
        assert again[0]["actions"] == {"applied": 1, "quarantined": 1}
