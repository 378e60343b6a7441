"""The knowledge-cache benchmark still runs end to end, at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_kb import main


def test_benchmark_runs_at_tiny_size_and_reports_sane_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--chunks", "2000", "--queries", "20", "--workdir", str(tmp_path)]

    figures = main(argv)

    assert set(figures) == {"machine", "ingest", "search", "exact"}
    ingest, search, exact = figures["ingest"], figures["search"], figures["exact"]
    assert ingest["chunks"] == ingest["expected_chunks"] == 2000
    assert ingest["failed_files"] == []
    assert ingest["seconds"] > 0 and ingest["bare_seconds"] > 0
    assert ingest["chunks_per_s"] > 0 and ingest["time_per_chunk_ours_over_bare"] > 0
    assert search["queries"] == 20
    for timings in (search["ours_ms"], search["bare_ms"]):
        assert 0 < timings["p50"] <= timings["p95"] <= timings["p99"]
    assert search["ratio_p50"] > 0 and search["ratio_p95"] > 0
    assert 0.0 <= exact["rate"] <= 1.0
    assert exact["codes"] > 0
    assert exact["rate"] == 1.0, exact["failures"]
    assert "Exact code lookup" in capsys.readouterr().out
