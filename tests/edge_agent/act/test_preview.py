"""The policy's decision on a call, shown before it is proposed: the same
decision a proposal gets, and nothing recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest

from edge_agent.act.preview import preview_call
from edge_agent.act.proposals import ToolCall
from edge_agent.act.service import ActionService, Technician
from edge_agent.clock import utc_now
from edge_agent.config import load_settings
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from edge_agent.policy_store import open_policy_store
from edge_agent.tracing import TurnTracer
from knowledge_cache import KnowledgeStore
from policies import Outcome
from sync import Outbox


@pytest.fixture(scope="module")
def store():
    """The demo KB in memory; tests only read it."""
    with KnowledgeStore.open(
        sqlite3.connect(":memory:", check_same_thread=False)
    ) as kb:
        kb.ingest([demo_data_dir()])
        yield kb


@pytest.fixture
def outbox():
    with Outbox.open(sqlite3.connect(":memory:"), device_id="dev-test") as box:
        yield box


@pytest.fixture
def desk(store, outbox) -> ActionService:
    jobs = parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))
    # The job book just came (the age rules have their own tests).
    jobs = replace(jobs, received_at=utc_now().isoformat(timespec="seconds"))
    return ActionService(
        store=store,
        jobs=jobs,
        policy=open_policy_store(load_settings()).status(),
        outbox=outbox,
        technician=Technician("tech-7", "technician"),
        clock=utc_now,
    )


def order(quantity: int, part: str = "4471-G10-131") -> ToolCall:
    return ToolCall("order_part", {"part_number": part, "quantity": quantity})


@pytest.mark.parametrize(
    ("quantity", "outcome", "text"),
    [
        (2, Outcome.CONFIRM, "Needs your confirmation: Ordering parts needs your"),
        (12, Outcome.APPROVE, "Needs supervisor approval: Ordering more than 10"),
        (60, Outcome.DENY, "Denied: More than 50 of one part is a stock order"),
    ],
)
def test_the_preview_is_the_decision_a_proposal_gets(
    desk, quantity: int, outcome: Outcome, text: str
) -> None:
    preview = preview_call(desk, order(quantity))
    decided = desk.decide(
        order(quantity), proposed_by="technician", tracer=TurnTracer("propose")
    )
    assert preview.outcome is outcome is decided.decision.outcome
    assert preview.reasons == tuple(decided.decision.reasons)
    assert preview.bundle_version == 1
    assert preview.text().startswith(text)


def test_other_reasons_are_counted_after_the_deciding_one(desk) -> None:
    preview = preview_call(desk, order(60))
    assert len(preview.reasons) == 4
    assert preview.text().endswith("depot. (+3 more)")


def test_a_call_that_cannot_be_proposed_names_its_field(desk) -> None:
    preview = preview_call(desk, order(2, part="NOT-A-PART"))
    assert preview.outcome is None and preview.headline == ""
    assert preview.field == "part_number"
    assert preview.text() == "Part NOT-A-PART is not in the parts catalogue."


def test_nothing_is_recorded(desk, outbox) -> None:
    for quantity in (2, 12, 60):
        preview_call(desk, order(quantity))
    assert outbox.list() == []
    assert outbox.list_traces() == []
