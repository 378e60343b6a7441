"""An order proposed offline for a job the office closes meanwhile, on loopback.

The technician's ``edge-agent`` and the supervisor's ``edge-governance`` run
for real against the central service served by uvicorn on 127.0.0.1, with
SQLite files in temporary folders. The device takes its job book from the
centre, orders parts offline on two jobs, the office closes one of them and
retires the other job's pump, and at the next sync the centre quarantines
both orders naming what changed; an order on a job still open and on a pump
still in service is applied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from edge_agent.__main__ import main as edge_agent
from edge_agent.knowledge import demo_data_dir
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.cli_runs import run_ok as run
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")


def order(capsys, job_id: str) -> None:
    args = json.dumps({"part_number": "4471-G10-131", "quantity": 1, "job_id": job_id})
    run(capsys, edge_agent, "actions", "create", "order_part", "--args", args, "--yes")


def states(capsys) -> dict[str, str]:
    out = run(capsys, edge_agent, "actions", "list", "--json")
    return {a["payload"]["args"]["job_id"]: a["state"] for a in json.loads(out)}


def job_book(changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The demo job book with some jobs' or assets' fields changed."""
    book = json.loads((demo_data_dir() / "jobs.json").read_text("utf-8"))
    for item in book["jobs"] + book["assets"]:
        item.update(changes.get(item.get("job_id") or item["asset_id"], {}))
    return book


def test_an_order_on_a_job_closed_meanwhile_is_held_and_one_still_open_applied(
    tmp_path: Path, capsys
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    run(capsys, governance, *base, "policy", "publish", str(SOURCE_DIR))
    token = TOKEN.search(run(capsys, governance, *base, "device", "enroll-token"))
    assert token is not None
    run(capsys, edge_agent, "demo", "--no-start")
    books = tmp_path / "books"
    books.mkdir()
    assigned = books / "v1.json"
    assigned.write_text(json.dumps(job_book({})), "utf-8")
    changed = books / "v2.json"
    changed.write_text(
        json.dumps(
            job_book(
                {"J-1001": {"status": "closed"}, "COMP-0112": {"status": "retired"}}
            )
        ),
        "utf-8",
    )
    app = create_app(ServerSettings(data_dir=centre, database_url=url))

    with serving(app) as server:
        run(capsys, edge_agent, "enroll", "--server", server, "--token", token.group())
        (device,) = json.loads(
            run(capsys, governance, *base, "device", "list", "--json")
        )
        assign = ["jobs", "assign", "--device", device["device_id"]]
        run(capsys, governance, *base, *assign, str(assigned))
        run(capsys, edge_agent, "sync", "--server", server)

        # Offline: three orders on jobs the job book holds, all confirmed.
        for job_id in ("J-1001", "J-1002", "J-1004"):
            order(capsys, job_id)
        assert set(states(capsys).values()) == {"queued"}

        # Meanwhile the office closes J-1001 and retires J-1002's compressor.
        run(capsys, governance, *base, *assign, str(changed))
        run(capsys, edge_agent, "sync", "--server", server)
        assert states(capsys) == {
            "J-1001": "quarantined",
            "J-1002": "quarantined",
            "J-1004": "applied",
        }

        review = json.loads(run(capsys, governance, *base, "review", "list", "--json"))
        reasons = {item["payload"]["args"]["job_id"]: item["reason"] for item in review}
        assert set(reasons) == {"J-1001", "J-1002"}
        assert re.search(
            r"Changed since the device decided: job J-1001 is closed at the centre "
            r"\(job book v2 of \d{4}-\d{2}-\d{2}, (the minute|\d+ \w+ after) this "
            r"action was proposed\)",
            reasons["J-1001"],
        ), reasons["J-1001"]
        assert (
            "asset COMP-0112 is retired at the centre (job book v2"
            in (reasons["J-1002"])
        )

        # The supervisor sees the ages the device decided on.
        held = next(i["key"] for i in review if "J-1001" in i["reason"])
        shown = json.loads(
            run(capsys, governance, *base, "review", "show", held[:8], "--json")
        )
        record = shown["evidence"]["freshness"]
        assert record["job"] == {
            "job_id": "J-1001",
            "in_book": True,
            "status": "assigned",
        }
        assert record["asset"]["asset_id"] == "PUMP-0451"
        assert record["job_book"]["version"] == 1
