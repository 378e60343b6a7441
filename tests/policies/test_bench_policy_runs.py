"""The policy benchmark script still runs (tiny sizes, so it cannot rot)."""

from __future__ import annotations

import json

import pytest

from tests.benchmarks import bench_policy


def test_benchmark_runs_and_reports_latency(capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench_policy.main(
        ["--rules", "15", "--requests", "40", "--bundle-repeats", "1", "--json"]
    )
    out, err = capsys.readouterr()
    assert json.loads(out) == figures
    assert "p99 <= 100 us" in err
    for scenario in ("realistic", "worst_case"):
        figures_for = figures["evaluate"][scenario]
        assert figures_for["rules"] == 15
        assert figures_for["decisions"] == 40
        assert 0 < figures_for["us"]["p50"] <= figures_for["us"]["max"]
    assert figures["evaluate"]["worst_case"]["rules_checked_mean"] == 15
    assert figures["bundle"]["verify_ms_median"] > 0
