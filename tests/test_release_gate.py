"""The release gate on loopback, with real evaluation reports: a depot laptop
evaluates a candidate with the device's own code, uploads the report signed
by its credentials, and the centre publishes only the candidate that report
vouches for, when it passes; a supervisor's override is recorded and shown.

Both command lines run for real against the central service served by
uvicorn on 127.0.0.1. The runs are ``--no-model --kinds question`` (a few
seconds each), so the centre's gate is set to ask for questions only and to
take a report made without a model, as ``release gate set`` allows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edge_agent.__main__ import main as edge_agent
from edge_agent.knowledge import demo_data_dir
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

QUICK = ("--no-model", "--kinds", "question")
DROPPED = "manuals/hp300-pump-service-manual.md"


def run(capsys, command, *args: str) -> tuple[int, str, str]:
    code = command(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, command, *args: str) -> str:
    code, out, err = run(capsys, command, *args)
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out + err


def test_only_the_candidate_a_passing_report_vouches_for_is_published(
    tmp_path: Path, capsys, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_TECHNICIAN_ID", "ann")
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]

    def depot(*args: str) -> tuple[int, str, str]:
        return run(capsys, governance, *base, *args)

    worse = _without(tmp_path / "worse-kb", DROPPED)
    assert ok(capsys, governance, *base, "policy", "publish", str(SOURCE_DIR))
    ok(capsys, governance, *base, "kb", "publish", str(demo_data_dir()))
    ok(capsys, governance, *base, "release", "gate", "set", "kinds", "question")
    ok(capsys, governance, *base, "release", "gate", "set", "model_must_run", "false")
    shown = ok(capsys, governance, *base, "release", "gate", "show")
    assert "kinds = question (set here)" in shown
    assert "max_drop_hit_at_5 = 1.0" in shown
    token = depot("device", "enroll-token", "--technician", "ann")[1].strip()
    # Without any report the gate refuses, and says what to do.
    code, _, err = depot("release", "create", "--name", "spring")
    assert code == 1 and "no evaluation report has been uploaded" in err

    app = create_app(ServerSettings(data_dir=centre, database_url=url))
    with serving(app) as server:
        ok(capsys, edge_agent, "enroll", "--server", server, "--token", token)
        good = tmp_path / "good"
        said = ok(capsys, edge_agent, "eval", *QUICK, "--out", str(good), "--upload")
        assert "Uploaded to the centre as evaluation report 1" in said
        # Sending the same file again is safe.
        again = ok(capsys, edge_agent, "upload-report", str(good / "report.json"))
        assert "report 1" in again and "held it already" in again

        # The report of the candidate built from the published policy and KB
        # names exactly the parts of the release.
        made = ok(capsys, governance, *base, "release", "create", "--name", "spring")
        assert "gate: passed with evaluation report 1" in made
        spring = json.loads(ok(capsys, governance, *base, "release", "show", "--json"))
        report = json.loads((good / "report.json").read_text())
        assert (
            spring["policy_sha256"] == report["candidate"]["policy"]["content_sha256"]
        )
        assert spring["kb_sha256"] == report["candidate"]["kb"]["content_sha256"]
        assert spring["gate"]["report_id"] == 1 and not spring["gate"]["overridden"]

        # A new KB: the good report is for another KB, so it does not count.
        ok(capsys, governance, *base, "kb", "publish", str(worse))
        code, _, err = depot("release", "create", "--name", "summer")
        assert code == 1
        assert "no uploaded evaluation report is for exactly it" in err
        assert "KB content sha256 is" in err and "in the report" in err
        assert (
            "model sha256" not in err
            and "policy content" not in err.split("differs:")[1]
        )

        # The worse candidate, evaluated against the good one, fails.
        ok(
            capsys,
            edge_agent,
            "eval",
            *QUICK,
            "--kb",
            str(worse),
            "--baseline",
            str(good / "report.json"),
            "--out",
            str(tmp_path / "worse"),
            "--upload",
        )
        code, _, err = depot("release", "create", "--name", "summer")
        assert code == 1 and "report 2" in err
        assert "question hit@5" in err and "baseline's 1" in err
        assert "Failing cases (" in err and "question q-proc-01 (new): " in err
        assert "--override-gate --reason" in err
        listed = json.loads(
            ok(capsys, governance, *base, "release", "reports", "--json")
        )
        assert [(r["report_id"], r["passes_gate"]) for r in listed["reports"]] == [
            (2, False),
            (1, True),
        ]
        assert listed["reports"][1]["releases"] == ["spring"]
        assert listed["reports"][0]["technician_id"] == "ann"

        # A supervisor publishes it anyway: recorded, audited, shown later.
        code, _, err = depot("release", "create", "--name", "summer", "--override-gate")
        assert code == 2 and "--reason" in err
        reason = "pump manual is being rewritten"
        made = ok(
            capsys,
            governance,
            *base,
            "release",
            "create",
            "--name",
            "summer",
            "--override-gate",
            "--reason",
            reason,
        )
        assert "OVERRIDDEN by sam" in made and reason in made
        summer = ok(capsys, governance, *base, "release", "show")
        assert "override in force since" in summer and "hit@5" in summer
        history = ok(capsys, governance, *base, "release", "list")
        assert history.startswith("override in force since")
        assert f"gate overridden: {reason}" in history
        reports = ok(capsys, governance, *base, "release", "reports")
        assert reports.startswith("override in force since")

        # A rollback is not gated: the content it brings back shipped before.
        ok(capsys, governance, *base, "release", "rollback", "--reason", "manual")
        rolled = ok(capsys, governance, *base, "release", "show")
        assert "gate: not gated" in rolled and "override in force" not in rolled


def _without(folder: Path, dropped: str) -> Path:
    """The demo KB with one document left out."""
    shutil.copytree(demo_data_dir(), folder)
    (folder / dropped).unlink()
    return folder
