"""Every decision knows how old its data is: the last sync, the job book, the
KB, the job's place in the job book and the cited documents' revisions, on a
real KB, job book, outbox and the demo policy."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from edge_agent.act.data_age import (
    DataSources,
    describe_freshness,
    freshness_of,
    freshness_record,
)
from edge_agent.act.proposals import ToolCall
from edge_agent.act.service import ActionService, Technician
from edge_agent.act.views import render_action, render_decided
from edge_agent.config import load_settings
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from edge_agent.policy_store import open_policy_store
from edge_agent.tracing import TurnTracer
from knowledge_cache import KnowledgeStore
from policies import Outcome
from sync import Outbox

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GASKETS = {"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}


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
    """A real outbox in memory."""
    with Outbox.open(sqlite3.connect(":memory:"), device_id="dev-test") as box:
        yield box


TECHNICIAN = Technician("tech-7", "technician")


def desk(
    store,
    jobs,
    outbox,
    sources: DataSources,
    when=NOW,
    technician: Technician = TECHNICIAN,
) -> ActionService:
    return ActionService(
        store=store,
        jobs=jobs,
        policy=open_policy_store(load_settings(), clock=lambda: NOW).status(),
        outbox=outbox,
        technician=technician,
        clock=lambda: when,
        data_sources=lambda: sources,
    )


SOURCES = DataSources(
    last_sync_at="2026-11-23T06:30:00Z",
    job_book_version=7,
    job_book_at="2026-11-20T09:00:00Z",
    kb_version=4,
    kb_at="2026-11-11T09:00:00+00:00",
)


def test_a_decision_records_the_age_of_each_input_it_rests_on(store, jobs, outbox):
    decided = desk(store, jobs, outbox, SOURCES).decide(
        ToolCall("order_part", GASKETS),
        proposed_by="technician",
        tracer=TurnTracer("t"),
    )
    record = decided.evidence()["freshness"]
    assert record["sync"]["age_s"] == 2.5 * 3600
    # The last sync brought no newer job book: the one held was current then.
    assert record["job_book"] == {
        "age_s": 2.5 * 3600,
        "version": 7,
        "received_at": "2026-11-20T09:00:00Z",
    }
    assert record["kb"]["version"] == 4
    assert record["job"] == {"job_id": "J-1001", "in_book": True, "status": "assigned"}
    # The job's asset record came with the job book: as old as it.
    assert record["asset"] == {
        "asset_id": "PUMP-0451",
        "in_book": True,
        "status": "in service",
        "age_s": 2.5 * 3600,
        "version": 7,
        "updated_at": None,
    }
    # The order cites the parts catalogue: its revision is kept.
    (catalogue,) = record["documents"]
    assert catalogue == "parts.csv"
    assert len(record["documents"]["parts.csv"]["revision"]) == 12


def test_ages_count_from_the_last_sync_when_it_is_later_than_the_data():
    jobs = parse_job_book({"jobs": [], "assets": []})
    sources = DataSources(
        last_sync_at="2026-11-20T09:00:00Z",
        job_book_version=3,
        job_book_at="2026-11-10T09:00:00Z",
        kb_version=2,
        kb_at="2026-11-22T09:00:00Z",
    )
    record = freshness_record(sources, now=NOW, job_id=None, jobs=jobs)
    assert record["sync"]["age_s"] == 3 * 86_400
    assert record["job_book"]["age_s"] == 3 * 86_400
    assert record["kb"]["age_s"] == 86_400  # came after the sync: its own time
    assert "job" not in record


def test_what_never_came_is_of_unknown_age():
    jobs = parse_job_book({"jobs": [], "assets": []})
    record = freshness_record(DataSources(), now=NOW, job_id="J-1", jobs=jobs)
    freshness = freshness_of(record)
    assert freshness.ages == {}
    assert freshness.job_in_book is False
    assert describe_freshness(record)[:3] == [
        "job book: age unknown (never received)",
        "KB: age unknown (never received)",
        "last sync: age unknown (never received)",
    ]


def test_the_ages_read_in_plain_words(store, jobs, outbox):
    later = NOW + timedelta(days=3)
    decided = desk(store, jobs, outbox, SOURCES, when=later).decide(
        ToolCall("order_part", GASKETS),
        proposed_by="technician",
        tracer=TurnTracer("t"),
    )
    text = render_decided(decided)
    assert (
        "Data: job book v7 from 3 days ago; KB v4 from 3 days ago; "
        "last sync 3 days ago; job J-1001 in the job book (assigned); "
        "asset PUMP-0451 record (in service, job book v7) from 3 days ago; "
        "parts.csv revision " in text
    )


def test_the_record_is_kept_with_the_action_and_shown_by_actions_show(
    store, jobs, outbox
):
    service = desk(store, jobs, outbox, SOURCES)
    tracer = TurnTracer("t")
    decided = service.decide(
        ToolCall("order_part", GASKETS), proposed_by="technician", tracer=tracer
    )
    queued = service.submit(
        decided, tracer=tracer, confirmation=service.confirm(decided, tracer=tracer)
    )
    kept = outbox.get(queued.key)
    assert kept.evidence["freshness"] == decided.freshness
    shown = render_action(kept, outbox.transitions(kept.key))
    assert "  data:      job book v7 from 2 hours ago; KB v4 from 2 hours ago" in shown


def test_an_action_recorded_before_ages_were_kept_says_so(store, jobs, outbox):
    service = desk(store, jobs, outbox, SOURCES)
    tracer = TurnTracer("t")
    decided = service.decide(
        ToolCall("order_part", GASKETS), proposed_by="technician", tracer=tracer
    )
    old = replace(decided, freshness={})
    queued = service.submit(
        old, tracer=tracer, confirmation=service.confirm(old, tracer=tracer)
    )
    assert (
        "data:      not recorded (an action from before ages were kept)"
        in render_action(queued, outbox.transitions(queued.key))
    )


def test_a_kept_proposal_whose_job_left_the_job_book_is_decided_not_refused(
    store, jobs, outbox
):
    service = desk(store, jobs, outbox, SOURCES)
    tracer = TurnTracer("t")
    decided = service.decide(
        ToolCall("order_part", GASKETS), proposed_by="technician", tracer=tracer
    )
    kept = service.record_for_later(decided, tracer=tracer)
    without = replace(jobs, jobs={k: v for k, v in jobs.jobs.items() if k != "J-1001"})
    later = desk(store, without, outbox, SOURCES)
    queued = later.confirm_later(kept.key, tracer=TurnTracer("t"), interactive=True)
    assert queued.evidence["freshness"]["job"] == {
        "job_id": "J-1001",
        "in_book": False,
        "status": None,
    }


def test_an_asset_record_is_as_old_as_its_job_book_and_says_when_the_depot_changed_it():
    jobs = parse_job_book(
        {
            "jobs": [],
            "assets": [
                {
                    "asset_id": "A-1",
                    "model": "HP-300",
                    "serial": "S-1",
                    "site_id": "S",
                    "status": "out of service",
                    "updated_at": "2026-11-02T10:00:00Z",
                    "warranty_until": "2028-01-01",  # the register's own field
                }
            ],
        }
    )
    sources = replace(SOURCES, last_sync_at=None)
    record = freshness_record(sources, now=NOW, job_id=None, jobs=jobs, asset_id="A-1")
    assert record["asset"]["age_s"] == 3 * 86_400
    assert freshness_of(record).asset_status == "out of service"
    assert (
        "asset A-1 record (out of service, job book v7) from 3 days ago, "
        "changed at the depot 2026-11-02"
    ) in describe_freshness(record)
    missing = freshness_record(sources, now=NOW, job_id=None, jobs=jobs, asset_id="X")
    assert missing["asset"] == {"asset_id": "X", "in_book": False, "age_s": None}
    assert freshness_of(missing).age("asset") is None
    assert "asset X NOT in the job book" in describe_freshness(missing)


def test_a_change_to_an_asset_on_a_week_old_record_needs_approval(store, jobs, outbox):
    change = {"asset_id": "PUMP-0451", "field": "location", "value": "bay 4"}
    senior = Technician("tech-9", "senior_technician")

    def decide(when: datetime):
        service = desk(store, jobs, outbox, SOURCES, when=when, technician=senior)
        return service.decide(
            ToolCall("update_asset", change),
            proposed_by="technician",
            tracer=TurnTracer("t"),
        ).decision

    assert decide(NOW).outcome is Outcome.CONFIRM
    old = decide(NOW + timedelta(days=8))
    assert old.outcome is Outcome.APPROVE
    assert "asset-change-on-a-record-older-than-7d-needs-approval" in (
        old.matched_rules
    )
    assert any(
        "asset record (in service, job book v7) from 8 days ago for PUMP-0451" in r
        for r in old.reasons
    )
