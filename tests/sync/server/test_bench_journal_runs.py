"""The journal benchmark still runs end to end, at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.bench_journal import main

pytestmark = [pytest.mark.server, pytest.mark.slow]


def test_benchmark_runs_at_tiny_size_and_every_turn_reaches_the_centre(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--actions", "30", "--turns", "120", "--denied-every", "10"]

    figures = main(
        [*argv, "--backends", "sqlite", "--workdir", str(tmp_path), "--json"]
    )

    sqlite = figures["backends"]["sqlite"]
    alone, with_turns = sqlite["actions"], sqlite["with_turns"]
    assert alone["recorded"] == {"actions": 30}
    assert with_turns["recorded"] == {"actions": 30, "questions": 108, "denied": 12}
    for run, turns, denied in ((alone, 0, 0), (with_turns, 120, 12)):
        assert sum(run["statuses"].values()) == 30
        assert set(run["statuses"]) <= {"applied", "quarantined"}
        assert run["stopped"] is None and run["journal_stopped"] is None
        # The pushed actions' turns went with the push, not the journal.
        assert run["journal_entries"] == turns
        assert run["centre"] == {
            "actions": 30,
            "turns": 30 + turns,
            "decisions": denied,
            "denied": denied,
        }
        assert run["bytes_sent"]["push"] > 0
        assert 0 < run["actions_at_centre_seconds"] <= run["seconds"]
        assert run["pull_and_apply_seconds"] >= 0 and run["journal_seconds"] >= 0
        assert run["database_growth_bytes"] > 0
    assert alone["bytes_sent"].get("journal", 0) == 0
    assert with_turns["bytes_sent"]["journal"] > 0
    assert with_turns["trace_bytes"]["ask"] > 0
    assert sqlite["actions_at_centre_ratio"] > 0
    out, err = capsys.readouterr()
    assert '"backends"' in out and "with_turns" in err
