"""The start-up benchmark still runs, once, and reports sane figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.benchmarks.bench_tui import main

pytestmark = pytest.mark.slow


def test_benchmark_runs_once_and_times_the_first_screen(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = main(["--runs", "1", "--no-model", "--home", str(demo_home), "--json"])

    headless = figures["headless"]
    assert set(headless) >= {"app_first_frame", "python_start", "edge_agent_help"}
    first = headless["app_first_frame"]["median_s"]
    assert 0 < headless["python_start"]["median_s"] < first
    assert headless["ratios"]["app_first_frame/python_start"] > 1
    terminal = figures["terminal"]
    if shutil.which("tmux"):
        assert terminal is not None
        assert terminal["app_first_screen"]["median_s"] > 0
        assert (
            terminal["app_first_screen"]["median_s"]
            <= (terminal["app_status_bar"]["median_s"])
        )
    out, err = capsys.readouterr()
    assert '"headless"' in out and "1. Headless" in err
