"""The evaluation suite versioned at the centre, on loopback: the demo
fleet's suite published as v1, fetched and run by a depot laptop with
``edge-agent eval --suite centre``, its report naming the suite; a newer
suite published, and the gate refusing the report made on the older one
until the depot runs the new one; offline, the last suite fetched runs.

Both command lines run for real against the central service served by
uvicorn on 127.0.0.1. The runs are ``--no-model --kinds policy`` (seconds),
so the gate is set to ask for policy cases only and to take a report made
without a model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edge_agent.__main__ import main as edge_agent
from edge_agent.evaluation import demo_suite_path, load_suite
from edge_agent.knowledge import demo_data_dir
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.sync.server.live import serving
from tests.test_release_gate import ok, run

pytestmark = pytest.mark.server

QUICK = ("--no-model", "--kinds", "policy")


def test_a_depot_runs_the_centre_suite_and_the_gate_asks_for_the_newest(
    tmp_path: Path, capsys, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_TECHNICIAN_ID", "ann")
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]

    def depot(*args: str) -> str:
        return ok(capsys, governance, *base, *args)

    depot("policy", "publish", str(SOURCE_DIR))
    depot("kb", "publish", str(demo_data_dir()))
    depot("release", "gate", "set", "kinds", "policy")
    depot("release", "gate", "set", "model_must_run", "false")
    assert "v1: Demo fleet" in depot("suite", "publish", str(demo_suite_path()))
    token = run(capsys, governance, *base, "device", "enroll-token")[1].strip()
    newer = tmp_path / "newer"
    shutil.copytree(demo_suite_path(), newer)
    document = json.loads((newer / "suite.json").read_text("utf-8"))
    document["cases"] = [
        c for c in document["cases"] if c["id"] != "policy-order-small"
    ]
    (newer / "suite.json").write_text(json.dumps(document), encoding="utf-8")

    app = create_app(ServerSettings(data_dir=centre, database_url=url))
    with serving(app) as server:
        ok(capsys, edge_agent, "enroll", "--server", server, "--token", token)
        first = tmp_path / "first"
        said = ok(
            capsys,
            edge_agent,
            "eval",
            "--suite",
            "centre",
            *QUICK,
            "--out",
            str(first),
            "--upload",
        )
        assert "suite: v1 from the centre (fetched " in said
        assert "(centre v1)" in said and "evaluation report 1" in said
        fetched = isolated_home / "evaluation" / "suites" / "1"
        assert load_suite(fetched).sha256 == load_suite(demo_suite_path()).sha256
        report = json.loads((first / "report.json").read_text("utf-8"))
        assert report["suite"]["centre_version"] == 1
        assert report["suite"]["sha256"] == load_suite(demo_suite_path()).sha256

        depot("suite", "publish", str(newer), "--note", "one policy case fewer")
        assert len(load_suite(newer).cases) == 67
        code, _, err = run(
            capsys, governance, *base, "release", "create", "--name", "a"
        )
        assert code == 1
        assert "report made on suite v1; the gate asks for v2" in err

        second = tmp_path / "second"
        said = ok(
            capsys,
            edge_agent,
            "eval",
            "--suite",
            "centre",
            *QUICK,
            "--out",
            str(second),
            "--upload",
        )
        assert "suite: v2 from the centre" in said
        assert "gate: passed with evaluation report 2" in depot(
            "release", "create", "--name", "a"
        )

    # The centre is gone: the last suite fetched runs, and says so.
    said = ok(
        capsys, edge_agent, "eval", "--suite", "centre", *QUICK, "--out", str(second)
    )
    assert "the centre cannot be reached" in said
    assert "running suite v2, the last fetched, at " in said
    code, _, err = run(
        capsys, edge_agent, "eval", "--suite", "centre", "--suite-version", "7", *QUICK
    )
    assert code == 1 and "suite v7 was never fetched" in err
    code, _, err = run(capsys, edge_agent, "eval", "--suite-version", "1", *QUICK)
    assert code == 2 and "goes with --suite centre" in err
