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
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
IMPELLERS = '{"part_number": "4471-A20-339", "quantity": 2, "job_id": "J-1001"}'


def run(capsys, command, *args: str) -> str:
    code = command(list(args))
    out, err = capsys.readouterr()
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out


def test_offline_work_reaches_the_centre_once_and_comes_back_reviewed(
    tmp_path: Path, capsys
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    keys = tmp_path / "keys"
    run(capsys, governance, "keys", "generate", "--out", str(keys))
    (key,) = keys.glob("*.signing-key")
    run(
        capsys,
        governance,
        *base,
        "policy",
        "publish",
        str(SOURCE_DIR),
        "--key",
        str(key),
    )
    token_out = run(capsys, governance, *base, "device", "enroll-token")
    token = re.search(r"[A-Za-z0-9_\-]{20,}", token_out)
    assert token is not None, token_out

    # The technician enrols at the depot, then works offline for the day.
    def centre_app():
        return create_app(ServerSettings(data_dir=centre, database_url=url))

    run(capsys, edge_agent, "demo", "--no-start")
    with serving(centre_app()) as server:
        run(capsys, edge_agent, "enroll", "--server", server, "--token", token.group())
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
    out = run(capsys, edge_agent, "sync", "--server", server)
    assert "offline" in out.lower()
    assert _states(capsys) == {1: "queued", 2: "awaiting_approval"}

    # Back at the depot (the service restarted on another port).
    with serving(centre_app()) as server:
        # The device trusts only the key shipped with the app, not the one
        # this depot signs with: it refuses the policy, keeps its own, and
        # says so with exit code 3, actions synced all the same.
        code = edge_agent(["sync", "--server", server, "--json"])
        err = capsys.readouterr().err
        assert code == 3 and "Update refused" in err and "trust" in err
        assert _states(capsys) == {1: "applied", 2: "quarantined"}

        review = json.loads(run(capsys, governance, *base, "review", "list", "--json"))
        (held,) = review
        run(capsys, governance, *base, "review", "approve", held["key"])
        assert edge_agent(["sync", "--server", server, "--json"]) == 3
        capsys.readouterr()
        assert _states(capsys) == {1: "applied", 2: "applied"}

        # Syncing again sends nothing twice and changes nothing.
        assert edge_agent(["sync", "--server", server, "--json"]) == 3
        capsys.readouterr()
        assert _states(capsys) == {1: "applied", 2: "applied"}


def _states(capsys) -> dict[int, str]:
    out = run(capsys, edge_agent, "actions", "list", "--json")
    return {action["seq"]: action["state"] for action in json.loads(out)}
