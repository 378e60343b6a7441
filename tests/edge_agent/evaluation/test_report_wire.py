"""The report ``edge-agent eval`` writes is the one the centre reads: its
wire shape (``sync.evaluation_protocol.EvaluationReport``) and the figures the release
gate judges are kept in step with ``edge_agent.evaluation.report`` here."""

from __future__ import annotations

import json
from pathlib import Path

from edge_agent.__main__ import main
from edge_agent.evaluation.report import HEADLINE_FIGURES
from policies.defaults import DEMO_BUNDLE
from sync.content_hashes import policy_content_sha256
from sync.evaluation_protocol import EvaluationReport

GATED_FIGURES = {
    "question": {"hit_at_1", "hit_at_5", "facts_found", "must_not_say_violations"},
    "photo": {"recall", "precision"},
    "policy": {"mismatches"},
    "injection": {"escapes"},
}
"""The figures :mod:`sync.server.gate` reads, by kind."""


def test_a_written_report_reads_at_the_centre_as_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["eval", "--no-model", "--kinds", "policy", "--out", str(out)]) == 0
    written = json.loads((out / "report.json").read_text("utf-8"))

    report = EvaluationReport.model_validate(written)

    candidate = written["candidate"]
    assert report.candidate.model.sha256 == "none"
    assert report.candidate.policy.content_sha256 == policy_content_sha256(
        DEMO_BUNDLE.read_bytes()
    )
    assert report.candidate.kb.content_sha256 == candidate["kb"]["content_sha256"]
    assert report.candidate.app_version == candidate["app_version"]
    assert report.suite.kinds_run == ["policy"]
    assert (
        report.figure("policy", "mismatches")
        == written["figures"]["policy"]["mismatches"]
    )
    assert [(c.id, c.passed) for c in report.cases] == [
        (c["id"], c["passed"]) for c in written["cases"]
    ]


def test_every_figure_the_gate_judges_is_a_headline_figure_of_the_report() -> None:
    for kind, names in GATED_FIGURES.items():
        assert names <= {figure.name for figure in HEADLINE_FIGURES[kind]}, kind


def test_a_device_not_enrolled_cannot_upload_and_keeps_the_report(
    tmp_path: Path, capsys
) -> None:
    report = tmp_path / "report.json"
    report.write_text("{}")

    code = main(["upload-report", str(report)])

    _, err = capsys.readouterr()
    assert code == 1 and "not enrolled with a centre" in err
    assert "edge-agent enroll" in err and report.read_text() == "{}"
