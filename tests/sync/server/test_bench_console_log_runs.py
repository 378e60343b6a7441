"""The console log benchmark still runs end to end, at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_console_log import main

pytestmark = [pytest.mark.slow]


def test_benchmark_runs_at_tiny_size_and_every_page_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--turns", "120", "--devices", "6", "--repeats", "1"]

    figures = main([*argv, "--workdir", str(tmp_path), "--json"])

    assert figures["turns"] == 120 and figures["decisions"] == 6
    assert set(figures["pages"]) >= {"turns", "turns_older", "decisions", "report"}
    assert "after=" in figures["pages"]["turns_older"]["path"]  # a real older page
    assert all(page["median_ms"] > 0 for page in figures["pages"].values())
