"""``edge-agent eval``: the report it writes, the HTML page, and the
comparison with a baseline (a worse candidate's failures named)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main
from edge_agent.evaluation import Suite
from edge_agent.knowledge import demo_data_dir
from policies.defaults import DEMO_BUNDLE

COMPRESSOR_MANUAL = "manuals/ac75-compressor-service-manual.md"
COMPRESSOR_CASES = {"q-proc-06", "q-proc-11", "q-spec-08"}
"""Question cases only the compressor manual answers."""


def evaluate(out: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["eval", "--no-model", "--out", str(out), *args])
    report = out / "report.json"
    return code, json.loads(report.read_text("utf-8")) if report.exists() else {}


def test_the_report_is_bound_to_the_candidate_and_holds_every_case(
    tmp_path: Path, demo_suite: Suite, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = evaluate(tmp_path / "out", "--kinds", "policy,question")

    out, err = capsys.readouterr()
    assert code == exit_codes.OK
    candidate = report["candidate"]
    assert candidate["model"] == {"file": None, "sha256": "none"}
    assert candidate["policy"]["version"] == 1
    assert candidate["policy"]["sha256"] == _sha256(DEMO_BUNDLE.read_bytes())
    assert candidate["kb"]["version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", candidate["kb"]["content_sha256"])
    assert candidate["app_version"]
    assert candidate["settings"]["role"] == "technician"
    assert report["suite"]["sha256"] == demo_suite.sha256
    assert report["suite"]["version"] == demo_suite.version
    assert report["suite"]["kinds_run"] == ["question", "policy"]
    questions = report["figures"]["question"]
    assert set(questions) >= {
        "hit_at_1",
        "hit_at_5",
        "facts_found",
        "abstain_correct",
        "must_not_say_violations",
    }
    assert report["figures"]["policy"]["mismatches"] == 0
    assert set(report["timings"]["seconds"]) == {"question", "policy"}
    expected = len(demo_suite.of_kind("question")) + len(demo_suite.of_kind("policy"))
    assert len(report["cases"]) == expected
    failed = [case for case in report["cases"] if not case["passed"]]
    assert all(case["problems"] for case in failed)
    assert all({"expected", "got", "seconds"} <= set(case) for case in report["cases"])
    assert report["comparison"] is None
    assert "question: " in err and " s a case)" in err
    assert re.search(r"  policy +\d+/\d+ passed, matches \d+, mismatches 0; ", out)


def test_the_html_report_embeds_its_plots(tmp_path: Path) -> None:
    evaluate(tmp_path / "out", "--kinds", "policy")

    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 3
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n") for image in images)
    assert "<style>" in page and "policy-order-over-2000" in page
    assert "http" not in page, "self-contained: nothing to fetch"


def test_without_matplotlib_the_json_is_written_and_the_html_explained(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)

    code, report = evaluate(tmp_path / "out", "--kinds", "policy")

    assert code == exit_codes.OK
    assert report["figures"]["policy"]["cases"] > 0
    assert not (tmp_path / "out" / "report.html").exists()
    err = capsys.readouterr().err
    assert "note: report.html was not written: matplotlib is not installed" in err
    assert "pip install 'edge-field-assistant[eval]'" in err


def test_a_worse_candidate_s_failures_are_listed_against_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    less = tmp_path / "kb"
    shutil.copytree(demo_data_dir(), less)
    (less / COMPRESSOR_MANUAL).unlink()
    evaluate(tmp_path / "field", "--kinds", "question")
    baseline = str(tmp_path / "field" / "report.json")
    capsys.readouterr()

    code, report = evaluate(
        tmp_path / "worse",
        "--kinds",
        "question",
        "--kb",
        str(less),
        "--baseline",
        baseline,
    )

    assert code == exit_codes.OK
    comparison = report["comparison"]
    assert comparison["same_suite"] is True
    new = {case["id"] for case in comparison["new_failures"]}
    assert new >= COMPRESSOR_CASES
    assert all(case["problems"] for case in comparison["new_failures"])
    assert comparison["fixed"] == []
    hit5 = _row(comparison, "question", "hit_at_5")
    assert hit5["verdict"] == "worse" and hit5["change"] < 0
    assert comparison["baseline"]["candidate"]["kb"]["documents"] == 6
    out = capsys.readouterr().out
    assert f"new failures ({len(new)}): " in out
    assert "question hit@5: " in out and "(worse)" in out

    code, back = evaluate(
        tmp_path / "back",
        "--kinds",
        "question",
        "--baseline",
        str(tmp_path / "worse" / "report.json"),
    )
    assert {case["id"] for case in back["comparison"]["fixed"]} == new
    assert back["comparison"]["new_failures"] == []


def test_a_baseline_that_is_not_a_report_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "notes.json"
    baseline.write_text('{"hello": 1}', encoding="utf-8")

    code = main(["eval", "--no-model", "--baseline", str(baseline)])

    assert code == exit_codes.CONFIG
    assert "Invalid value for --baseline" in capsys.readouterr().err


def _row(comparison: dict[str, Any], kind: str, figure: str) -> dict[str, Any]:
    (row,) = [
        r for r in comparison["figures"] if (r["kind"], r["figure"]) == (kind, figure)
    ]
    return row


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
