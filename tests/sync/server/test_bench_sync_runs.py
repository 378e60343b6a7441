"""The sync benchmark still runs end to end, at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_sync import main

pytestmark = [pytest.mark.server, pytest.mark.slow]


def test_benchmark_runs_at_tiny_size_and_reports_sane_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--actions", "40", "--fleet", "2", "--fleet-actions", "10", "--batch", "15"]

    figures = main(
        [*argv, "--backends", "sqlite", "--workdir", str(tmp_path), "--json"]
    )

    one, fleet = (
        figures["backends"]["sqlite"]["one_device"],
        figures["backends"]["sqlite"]["fleet"],
    )
    assert one["actions"] == 40 and sum(one["statuses"].values()) == 40
    assert fleet["devices"] == 2 and sum(fleet["statuses"].values()) == 20
    assert set(one["statuses"]) <= {"applied", "quarantined"}
    assert one["reconcile_seconds"] > 0 and one["stopped"] == []
    assert one["server_queues"]["held"] == 0
    out, err = capsys.readouterr()
    assert '"backends"' in out and "one_device" in err
