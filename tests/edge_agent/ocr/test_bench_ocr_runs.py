"""The OCR benchmark still runs end to end, on a tiny photo set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_ocr import main

pytestmark = pytest.mark.slow


def test_benchmark_runs_on_a_tiny_set_and_reports_sane_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--count", "3", "--cli-runs", "1", "--workdir", str(tmp_path)]

    report = main(argv)

    assert set(report) == {"machine", "set", "engines", "ratios", "targets"}
    assert report["set"]["photos"] == 3 and report["set"]["codes"] > 0
    assert set(report["engines"]) == {"rapidocr", "tesseract"}
    for name, figures in report["engines"].items():
        assert figures["engine"] == name and figures["errors"] == []
        assert 0.0 <= figures["recall"] <= 1.0
        assert figures["precision"] is None or 0.0 <= figures["precision"] <= 1.0
        assert 0 < figures["median_s"] <= figures["p90_s"]
        assert figures["one_shot_s"] is not None and figures["one_shot_s"] > 0
        assert figures["installed_mib"] > 0 and figures["installed_parts"]
    assert report["ratios"]["installed_mib"] > 0
    assert set(report["targets"]) == {"recall", "precision", "median_s", "one_shot_s"}
    out = capsys.readouterr().out
    assert "tesseract / rapidocr" in out and "Targets for rapidocr" in out
    assert list(tmp_path.iterdir()) == []  # the photos were temporary
