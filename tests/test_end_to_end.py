"""The whole loop on loopback: enrol, work offline, sync, review, sync again.

Both command lines run for real (the technician's ``edge-agent`` and the
supervisor's ``edge-governance``) against the central service served by
uvicorn on 127.0.0.1, with SQLite files in temporary folders.
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
IMPELLERS = '{"part_number": "4471-A20-339", "quantity": 2, "job_id": "J-1001"}'
TOO_MANY = '{"part_number": "4471-G10-131", "quantity": 60, "job_id": "J-1001"}'
MANUAL = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"


def test_offline_work_reaches_the_centre_once_and_comes_back_reviewed(
    tmp_path: Path, capsys
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    # A fresh centre signs with the key it makes on its first start.
    run(capsys, governance, *base, "policy", "publish", str(SOURCE_DIR))
    manuals = tmp_path / "manuals"
    manuals.mkdir()
    (manuals / "pump-p200.md").write_text(MANUAL)
    run(capsys, governance, *base, "kb", "publish", str(manuals))
    token_out = run(capsys, governance, *base, "device", "enroll-token")
    token = re.search(r"[A-Za-z0-9_\-]{20,}", token_out)
    assert token is not None, token_out

    # The technician enrols at the depot, then works offline for the day.
    def centre_app():
        return create_app(ServerSettings(data_dir=centre, database_url=url))

    run(capsys, edge_agent, "demo", "--no-start")
    with serving(centre_app()) as server:
        run(capsys, edge_agent, "enroll", "--server", server, "--token", token.group())
    assert _trust(capsys)["source"] == "centre"
    for order in (GASKETS, IMPELLERS):
        run(
            capsys,
            edge_agent,
            "actions",
            "create",
            "order_part",
            "--args",
            order,
            "--yes",
        )
    # A question answered, and an order the policy stops: no action leaves
    # the device for either, but both reach the centre's journal.
    run(capsys, edge_agent, "ask", "--no-model", "what does E-42 mean")
    assert edge_agent(["actions", "create", "order_part", "--args", TOO_MANY]) == 0
    capsys.readouterr()
    out = run(capsys, edge_agent, "sync", "--server", server)
    assert "offline" in out.lower()
    assert _states(capsys) == {1: "queued", 2: "awaiting_approval", 3: "denied"}

    # Back at the depot (the service restarted on another port).
    with serving(centre_app()) as server:
        parts = _sync(capsys, server)
        assert (parts["policy"], parts["kb"]) == ("updated", "updated")
        first_key = _policy(capsys)["bundle"]["key_id"]
        assert first_key.startswith("centre-")
        assert _states(capsys) == {1: "applied", 2: "quarantined", 3: "denied"}

        # The centre sees every turn and what the device's policy stopped.
        turns = json.loads(run(capsys, governance, *base, "turns", "list", "--json"))
        assert {turn["name"] for turn in turns} >= {"ask", "propose"}
        (shift,) = json.loads(run(capsys, governance, *base, "report", "--json"))
        (denied,) = shift["denied_on_device"]
        assert (denied["tool"], denied["count"]) == ("order_part", 1)
        otlp = tmp_path / "turns.json"
        run(capsys, governance, *base, "turns", "export", "--out", str(otlp))
        (resource,) = json.loads(otlp.read_text())["resourceSpans"]
        assert len({s["traceId"] for s in resource["scopeSpans"][0]["spans"]}) == 4

        review = json.loads(run(capsys, governance, *base, "review", "list", "--json"))
        (held,) = review
        run(capsys, governance, *base, "review", "approve", held["key"][:8])
        assert _sync(capsys, server) == {}
        assert _states(capsys) == {1: "applied", 2: "applied", 3: "denied"}

        # The depot rotates its key and publishes again: the device follows.
        run(capsys, governance, *base, "keys", "rotate")
        run(capsys, governance, *base, "policy", "publish", str(SOURCE_DIR))
        assert _sync(capsys, server) == {"keys": "updated", "policy": "updated"}
        second = _policy(capsys)
        assert second["bundle"]["key_id"] not in (first_key, None)
        assert second["trust"]["key_set_version"] == 2

        # The old key is revoked: the device stops trusting it and keeps working.
        run(capsys, governance, *base, "keys", "revoke", first_key, "--yes")
        assert _sync(capsys, server) == {"keys": "updated"}
        third = _policy(capsys)
        assert third["actions_allowed"] and third["trust"]["revoked"] == [first_key]

        # Syncing again sends nothing twice and changes nothing.
        assert _sync(capsys, server) == {}
        assert _states(capsys) == {1: "applied", 2: "applied", 3: "denied"}

        # A bundle this app is too old for is refused loudly, on both sides.
        future = tmp_path / "future.json"
        sign = ["policy", "sign", str(SOURCE_DIR), "--version", "9"]
        sign += ["--expires", "2030-01-01T00:00:00Z", "--min-client", "99.0.0"]
        run(capsys, governance, *base, *sign, "--out", str(future))
        run(capsys, governance, *base, "policy", "publish", str(future))
        assert edge_agent(["sync", "--server", server]) == 3
        assert "99.0.0" in capsys.readouterr().err
        (device,) = json.loads(
            run(capsys, governance, *base, "device", "list", "--json")
        )
        assert "99.0.0" in " ".join(device["refused_updates"])
        assert device["model"].endswith(".gguf") and device["queue_depth"] == 0
        assert device["key_set_version"] == 3
        assert _policy(capsys)["bundle"]["version"] == 3


def _sync(capsys, server: str) -> dict[str, str]:
    """Sync; each part the pull brought, with whether it was taken."""
    summary = json.loads(run(capsys, edge_agent, "sync", "--server", server, "--json"))
    return {part["part"]: part["status"] for part in summary["parts"]}


def _policy(capsys) -> dict:
    return json.loads(run(capsys, edge_agent, "policy", "show", "--json"))


def _trust(capsys) -> dict:
    return _policy(capsys)["trust"]


def _states(capsys) -> dict[int, str]:
    out = run(capsys, edge_agent, "actions", "list", "--json")
    return {action["seq"]: action["state"] for action in json.loads(out)}
