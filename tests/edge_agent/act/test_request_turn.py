"""A request in words becomes a decided proposal: by rules alone when they
read it whole, with the model asked only for what they leave missing."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from edge_agent.act.request_turn import propose_from_request
from edge_agent.act.service import ActionService, Technician
from edge_agent.config import load_settings
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from edge_agent.llm import ScriptedModel
from edge_agent.policy_store import open_policy_store
from edge_agent.tracing import CHAT, POLICY, READING, TurnTracer
from knowledge_cache import KnowledgeStore
from sync import ActionState, Outbox

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store():
    """The demo KB in memory; tests only read it."""
    with KnowledgeStore.open(
        sqlite3.connect(":memory:", check_same_thread=False)
    ) as kb:
        kb.ingest([demo_data_dir()])
        yield kb


@pytest.fixture
def jobs():
    return parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))


@pytest.fixture
def outbox():
    """A real outbox in memory (WAL and crash behaviour are tested in sync)."""
    with Outbox.open(sqlite3.connect(":memory:"), device_id="dev-test") as box:
        yield box


def policy():
    return open_policy_store(load_settings(), clock=lambda: NOW).status()


def propose(store, jobs, outbox, request, *, model=None, role="technician", job=None):
    status = policy()
    desk = ActionService(
        store=store,
        jobs=jobs,
        policy=status,
        outbox=outbox,
        technician=Technician("tech-7", role),
        clock=lambda: NOW,
    )
    tracer = TurnTracer("propose")
    result = propose_from_request(
        request,
        model=model,
        service=desk,
        store=store,
        jobs=jobs,
        policy=status.policy,
        role=role,
        tracer=tracer,
        job_id=job,
    )
    return result, tracer, desk


def test_the_readme_example_becomes_the_intended_order_without_a_model(
    store, jobs, outbox
) -> None:
    result, tracer, _ = propose(
        store, jobs, outbox, "order two gaskets 4471-G10-131", job="J-1001"
    )
    assert result.problem is None
    assert result.model_call is None
    decided = result.decided
    assert decided is not None
    proposal = decided.proposal
    assert proposal.tool == "order_part"
    assert proposal.args["part_number"] == "4471-G10-131"
    assert proposal.args["quantity"] == 2
    assert proposal.args["job_id"] == "J-1001"
    assert proposal.args["unit_price"] == 9.8  # the catalogue's price
    assert proposal.proposed_by == "rules"
    assert decided.evidence()["argument_sources"] == {
        "part_number": "rules",
        "quantity": "rules",
        "job_id": "rules",
    }
    assert decided.grounded is True
    assert str(decided.decision.outcome) == "confirm"
    names = [span.name for span in tracer.finish().spans]
    assert READING in names and POLICY in names and CHAT not in names


def test_the_model_is_asked_only_for_what_rules_left_missing(
    store, jobs, outbox
) -> None:
    model = ScriptedModel(
        ['{"tool": "order_part", "args": {"part_number": "4471-G10-131"}}']
    )
    result, tracer, _ = propose(
        store, jobs, outbox, "order 2 strainer cover gaskets", model=model, job="J-1001"
    )
    (schema,) = model.schemas
    assert schema is not None
    (only,) = schema["oneOf"]
    assert only["properties"]["tool"] == {"const": "order_part"}
    assert set(only["properties"]["args"]["properties"]) == {"part_number"}
    decided = result.decided
    assert decided is not None
    assert decided.proposal.args["quantity"] == 2
    assert decided.proposal.args["job_id"] == "J-1001"
    assert decided.proposal.proposed_by == "model"
    assert decided.evidence()["argument_sources"] == {
        "part_number": "model",
        "quantity": "rules",
        "job_id": "rules",
    }
    # The policy's rules on model proposals still apply: no confidence, denied.
    assert decided.decision.denied
    names = [span.name for span in tracer.finish().spans]
    assert names.index(READING) < names.index(CHAT) < names.index(POLICY)


def test_without_a_model_an_unclear_request_says_what_it_lacks(
    store, jobs, outbox
) -> None:
    result, _, _ = propose(store, jobs, outbox, "order 2 strainer cover gaskets")
    assert result.decided is None
    assert "part_number" in (result.problem or "")
    assert result.reading is not None and result.reading.tool == "order_part"


def test_a_part_the_catalogue_lacks_is_reported_not_moved_to_another(
    store, jobs, outbox
) -> None:
    model = ScriptedModel()
    result, _, _ = propose(store, jobs, outbox, "order 2 x 4471-G10-999", model=model)
    assert result.decided is None
    assert "4471-G10-999 is not in the parts catalogue" in (result.problem or "")
    assert model.prompts == []


def test_a_tool_outside_the_role_is_denied_by_the_policy(store, jobs, outbox) -> None:
    result, _, _ = propose(
        store, jobs, outbox, "order two gaskets 4471-G10-131", role="apprentice"
    )
    decided = result.decided
    assert decided is not None
    assert decided.decision.denied
    assert decided.proposal.proposed_by == "rules"


def test_a_rules_proposal_kept_for_later_is_confirmed_as_read_by_rules(
    store, jobs, outbox
) -> None:
    result, tracer, desk = propose(
        store, jobs, outbox, "order two gaskets 4471-G10-131", job="J-1001"
    )
    assert result.decided is not None
    kept = desk.record_for_later(result.decided, tracer=tracer)
    queued = desk.confirm_later(kept.key, tracer=TurnTracer("confirm"))
    assert queued.state is ActionState.QUEUED
    assert queued.evidence["proposed_by"] == "rules"
    assert queued.evidence["argument_sources"]["quantity"] == "rules"


def test_the_model_may_not_add_what_the_technician_did_not_name(
    store, jobs, outbox
) -> None:
    model = ScriptedModel(
        [
            '{"tool": "escalate_to_supervisor", "args": {"summary": "Need help", '
            '"asset_id": "PUMP-0452"}}'
        ]
    )
    result, _, _ = propose(store, jobs, outbox, "escalate", model=model, job="J-1001")
    (schema,) = model.schemas
    assert schema is not None
    (only,) = schema["oneOf"]
    assert set(only["properties"]["args"]["properties"]) == {"summary"}
    assert result.decided is not None
    assert dict(result.decided.proposal.args) == {
        "summary": "Need help",
        "job_id": "J-1001",
    }


def test_a_model_proposal_kept_for_later_is_decided_again_with_its_confidence(
    store, jobs, outbox
) -> None:
    model = ScriptedModel(
        ['{"tool": "order_part", "args": {"part_number": "4471-G10-131"}}'],
        token_logprob=0.0,
    )
    request = "order 2 gaskets, 4471-G10-131 or 4471-G10-012"
    result, tracer, desk = propose(store, jobs, outbox, request, model=model)
    assert result.decided is not None
    assert str(result.decided.decision.outcome) == "confirm"
    kept = desk.record_for_later(result.decided, tracer=tracer)

    queued = desk.confirm_later(kept.key, tracer=TurnTracer("confirm"))

    assert queued.state is ActionState.QUEUED
    assert queued.decision["outcome"] == "confirm"
    assert queued.evidence["model_confidence"] == 1.0
    assert queued.evidence["argument_origins"]["part_number"] == "typed"
