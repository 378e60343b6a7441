"""The request benchmark still runs, and its request sets still fit the demo."""

from __future__ import annotations

import json
import sqlite3

import pytest

from edge_agent.act.catalogue import TOOLS
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import CodeKind, KnowledgeStore
from tests.benchmarks.bench_requests import SETS, TEXT_ARGS, load_set, main


def test_the_benchmark_runs_rules_only_on_the_development_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = main(["--no-model", "--set", "dev"])

    assert "heldout" not in figures
    rules = figures["dev"]["rules"]
    assert rules["requests"] == 125
    assert rules["model_asked"] == 0
    assert "rules_then_model" not in figures["dev"]
    hit, total = rules["counts"]["kind/stated"]
    assert hit / total >= 0.95
    assert figures["verdicts"] == {"dev stated, rules only": "meets target"}
    assert "tool/order_part" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_request_means_a_valid_call_on_the_demo_fleet(name) -> None:
    jobs = parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([demo_data_dir()])
        parts = {e.code for e in kb.codes_of_kind(CodeKind.PART_NUMBER)}
        faults = {e.code for e in kb.codes_of_kind(CodeKind.FAULT_CODE)}
    entries = load_set(SETS[name])
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        fields = TOOLS[entry.tool].args.model_fields
        assert set(entry.text) == set(fields) & TEXT_ARGS, entry.id
        TOOLS[entry.tool].args.model_validate(
            {**entry.args, **{arg: "text" for arg in entry.text}}
        )
        assert entry.args.get("part_number", "4471-G10-131") in parts, entry.id
        assert entry.args.get("fault_code", "E-42") in faults, entry.id
        assert jobs.job(entry.args.get("job_id", "J-1001")) is not None, entry.id
        assert jobs.asset(entry.args.get("asset_id", "PUMP-0451")) is not None
        assert entry.job is None or jobs.job(entry.job) is not None
        assert entry.kind in {"stated", "described"}
