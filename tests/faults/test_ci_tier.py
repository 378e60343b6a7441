"""CI runs the small tier of the fault suite's fast groups and holds their
invariants: the crash group (SQLite; PostgreSQL only in ``python -m
tests.faults``, for time; kills during a policy and a KB update included,
about 45 s of it), the input group and the damage group; then the
network group on its own (under a minute)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.__main__ import main

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.mark.timeout(600)
def test_the_ci_tier_holds_every_invariant(tmp_path: Path, capsys) -> None:
    out = tmp_path / "report.json"
    argv = ["--tier", "ci", "--only", "crash,input,damage", "--no-postgres"]

    reports = main([*argv, "--out", str(out), "--workdir", str(tmp_path / "work")])

    failed = {r.group: [(c.name, c.seen) for c in r.failed] for r in reports}
    assert all(r.ok for r in reports), failed
    by_group = {r.group: r for r in reports}
    crash = by_group["crash"]
    assert crash.figures["device_kills"]["kills"] >= 200
    assert crash.figures["service_kills_sqlite"]["kills"] >= 50
    names = {c.name for c in crash.checks}
    assert {"device: lost == 0", "device: applied twice == 0"} <= names
    updates = crash.figures["update_kills"]
    assert updates["policy"]["kills"] >= 20 and updates["kb"]["kills"] >= 20
    assert {"updates: policy mix == 0", "updates: kb mix == 0"} <= names
    assert by_group["input"].figures["requests_sqlite"] > 300
    assert by_group["damage"].figures["cases"] > 100
    assert '"groups"' in out.read_text()
    assert "[crash] ok" in capsys.readouterr().out


@pytest.mark.timeout(300)
def test_the_network_groups_ci_tier_holds_every_invariant(
    tmp_path: Path, capsys
) -> None:
    argv = ["--tier", "ci", "--only", "network", "--workdir", str(tmp_path)]

    (network,) = main(argv)

    assert network.ok, [(c.name, c.seen) for c in network.failed]
    injected = network.figures["faults_injected"]
    assert injected["forge /v1/push"] > 0 and injected["forge /v1/pull"] > 0
    assert network.figures["seconds_to_converge_after_healing"] <= 120
    assert "[network] ok" in capsys.readouterr().out
