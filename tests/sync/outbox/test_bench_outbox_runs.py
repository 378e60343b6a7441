"""The outbox benchmark still runs end to end, at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_outbox import READS, WARM_UP, main


def test_benchmark_runs_at_tiny_size_and_reports_sane_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--actions", "300", "--small", "100", "--enqueues", "10", "--reads", "5"]

    figures = main([*argv, "--workdir", str(tmp_path), "--json"])

    assert set(figures) == {"machine", "empty", "full"}
    empty, full = figures["empty"], figures["full"]
    enqueues = (empty["full"], empty["normal"], full["enqueue_ms"])
    for timings in (*enqueues, full["empty_enqueue_ms"]):
        assert 0 < timings["p50"] <= timings["p95"] <= timings["p99"] <= timings["max"]
    assert empty["ratio_full_over_normal"]["p50"] > 0
    assert full["enqueue_ratio"]["p99"] > 0
    assert full["counts_after"] == {"queued": 300 + 10 + WARM_UP}
    assert set(full["reads_ms"]) == set(full["read_ratio"]) == set(READS)
    assert all(ratio["p95"] > 0 for ratio in full["read_ratio"].values())
    out, err = capsys.readouterr()
    assert '"empty"' in out and "A full outbox: 300 queued actions" in err
