from __future__ import annotations

import json
import sqlite3

import pytest

from edge_agent.act.catalogue import TOOLS
from edge_agent.act.proposals import (
    ProposalError,
    ToolCall,
    call_payload,
    check_call,
    parse_tool_call,
)
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from policies import load_policy_dir
from policies.defaults import SOURCE_DIR
from sync import payload_hash


@pytest.fixture(scope="module")
def store():
    """The demo KB in memory: the parts catalogue prices orders."""
    with KnowledgeStore.open(
        sqlite3.connect(":memory:", check_same_thread=False)
    ) as kb:
        kb.ingest([demo_data_dir()])
        yield kb


@pytest.fixture(scope="module")
def jobs():
    return parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))


def check(tool, args, store, jobs, by="technician"):
    return check_call(ToolCall(tool, args), proposed_by=by, store=store, jobs=jobs)


def test_an_order_is_priced_from_the_catalogue(store, jobs) -> None:
    proposal = check(
        "order_part",
        {"part_number": "4471a20339", "quantity": 2, "job_id": "J-1001"},
        store,
        jobs,
    )
    assert proposal.args["part_number"] == "4471-A20-339"
    assert proposal.args["unit_price"] == 742.5
    assert proposal.args["currency"] == "EUR"
    assert proposal.evidence["catalogue_chunk"].startswith("parts.csv#")


def test_the_caller_cannot_set_a_price(store, jobs) -> None:
    with pytest.raises(ProposalError, match="comes from the catalogue"):
        check(
            "order_part",
            {"part_number": "4471-A20-339", "quantity": 1, "unit_price": 0.01},
            store,
            jobs,
        )


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        (
            "order_part",
            {"part_number": "9999-Z99-999", "quantity": 1},
            "not in the parts",
        ),
        ("order_part", {"part_number": "4471-A20-339", "quantity": 0}, "quantity"),
        ("order_part", {"part_number": "4471-A20-339", "quantity": 1, "x": 1}, "x"),
        (
            "close_work_order",
            {"job_id": "J-9999", "resolution": "done"},
            "not in your job",
        ),
        (
            "update_asset",
            {"asset_id": "PUMP-0451", "field": "colour", "value": "red"},
            "field",
        ),
        (
            "record_repair",
            {"asset_id": "PUMP-0451", "work_done": "x", "fault_code": "E-99"},
            "not in the code table",
        ),
        ("launch_rocket", {}, "no tool called"),
    ],
)
def test_invalid_calls_are_refused_with_the_field(store, jobs, tool, args, message):
    with pytest.raises(ProposalError, match=message):
        check(tool, args, store, jobs)


def test_the_payload_hash_binds_tool_and_exact_arguments() -> None:
    def digest(tool, args):
        return payload_hash(call_payload(tool, args))

    base = digest("order_part", {"part_number": "A", "quantity": 1})
    assert base == digest("order_part", {"quantity": 1, "part_number": "A"})
    assert base != digest("order_part", {"part_number": "A", "quantity": 2})
    assert base != digest("update_asset", {"part_number": "A", "quantity": 1})


@pytest.mark.parametrize(
    "text", ["not json", "[]", '{"tool": 3, "args": {}}', '{"tool": "x", "args": []}']
)
def test_malformed_model_output_is_refused(text: str) -> None:
    with pytest.raises(ProposalError):
        parse_tool_call(text)


def test_every_tool_matches_the_default_policy_catalogue() -> None:
    policy = load_policy_dir(SOURCE_DIR)
    assert set(policy.tools) == set(TOOLS)
    for name, spec in TOOLS.items():
        assert spec.reads_only == (policy.tools[name] == "read"), name
