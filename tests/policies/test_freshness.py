"""Rules on the age of data: limits per input, a job not in the job book, and
the demo policy's freshness rules with the ages they name."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from policies import (
    Freshness,
    describe_age,
    evaluate,
    fresh,
    freshness_in_evidence,
    load_policy_dir,
    parse_age,
    request_for_call,
)
from policies.defaults import SOURCE_DIR

HOUR = 3600.0
DAY = 86_400.0


@pytest.fixture(scope="module")
def demo():
    return load_policy_dir(SOURCE_DIR).with_version(1)


def order(demo, freshness: Freshness, *, job: str = "J-1001"):
    return request_for_call(
        demo,
        tool="order_part",
        args={"part_number": "P-1", "quantity": 1, "unit_price": 9.8, "job_id": job},
        technician_id="ann",
        role="technician",
        freshness=freshness,
    )


def aged(job_in_book: bool | None = True, **ages: float) -> Freshness:
    return Freshness(MappingProxyType(ages), job_in_book=job_in_book)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("48h", 48 * HOUR), ("30d", 30 * DAY), ("90m", 5400.0), ("2w", 14 * DAY)],
)
def test_ages_are_read_with_their_unit(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


def test_an_order_on_a_fresh_job_book_is_confirmed(demo) -> None:
    decision = evaluate(demo, order(demo, aged(job_book=47 * HOUR, kb=40 * DAY)))
    assert str(decision.outcome) == "confirm"


def test_an_order_on_a_job_book_older_than_48_hours_needs_approval(demo) -> None:
    freshness = Freshness(
        MappingProxyType({"job_book": 3 * DAY + HOUR}),
        MappingProxyType({"job_book": 7}),
        job_in_book=True,
    )
    decision = evaluate(demo, order(demo, freshness))
    assert str(decision.outcome) == "approve"
    assert decision.matched_rules[0] == (
        "order-on-a-job-book-older-than-48h-needs-approval"
    )
    assert decision.reasons[0].endswith("(job book v7 from 3 days ago).")


def test_an_order_on_a_job_book_of_unknown_age_needs_approval(demo) -> None:
    decision = evaluate(demo, order(demo, aged()))
    assert str(decision.outcome) == "approve"
    assert "job book: age unknown (never received)" in decision.reasons[0]


def test_any_action_on_a_job_not_in_the_job_book_is_denied(demo) -> None:
    freshness = Freshness(
        MappingProxyType({"job_book": HOUR}),
        MappingProxyType({"job_book": 8}),
        job_in_book=False,
    )
    decision = evaluate(demo, order(demo, freshness, job="J-1004"))
    assert decision.denied
    assert decision.reasons[0].startswith(
        "The job is not in the last job book this device received"
    )
    assert (
        "(job J-1004 is not in the job book v8 on this device)."
        in (decision.reasons[0])
    )
    note = request_for_call(
        demo,
        tool="record_repair",
        args={"job_id": "J-1004", "resolution": "done"},
        technician_id="ann",
        role="technician",
        freshness=freshness,
    )
    assert evaluate(demo, note).denied


def test_a_job_whose_place_is_not_recorded_is_not_denied_for_it(demo) -> None:
    decision = evaluate(demo, order(demo, fresh(job_in_book=None)))
    assert not decision.denied


def test_the_centre_adds_the_time_since_the_action_was_created() -> None:
    evidence = {
        "freshness": {
            "job_book": {"age_s": 40 * HOUR, "version": 3},
            "kb": {"age_s": None, "version": 2},
            "sync": {"age_s": "soon"},
            "job": {"job_id": "J-1", "in_book": True, "status": "assigned"},
        }
    }
    freshness = freshness_in_evidence(evidence, elapsed=10 * HOUR)
    assert dict(freshness.ages) == {"job_book": 50 * HOUR}
    assert dict(freshness.versions) == {"job_book": 3, "kb": 2}
    assert freshness.job_in_book is True and freshness.job_status == "assigned"
    assert freshness_in_evidence({"freshness": "old"}) == Freshness()


def test_ages_read_in_plain_words() -> None:
    assert describe_age(3 * DAY + 5 * HOUR) == "3 days"
    assert describe_age(HOUR) == "1 hour"
    assert describe_age(30) == "under a minute"
    assert describe_age(None) == "an unknown time"


def asset_change(demo, freshness: Freshness, *, asset: str | None = "PUMP-0451"):
    args = {"field": "location", "value": "bay 4"}
    return request_for_call(
        demo,
        tool="update_asset",
        args={**args, "asset_id": asset} if asset else args,
        technician_id="bob",
        role="senior_technician",
        freshness=freshness,
    )


def test_a_change_on_an_asset_record_older_than_a_week_needs_approval(demo) -> None:
    week_old = aged(asset=8 * DAY, job_book=8 * DAY)
    decision = evaluate(demo, asset_change(demo, week_old))
    assert decision.outcome.name == "APPROVE"
    assert "asset record from 8 days ago for PUMP-0451" in " ".join(decision.reasons)
    fresh_record = evaluate(demo, asset_change(demo, aged(asset=6 * DAY)))
    assert fresh_record.outcome.name == "CONFIRM"


def test_a_rule_on_the_asset_record_holds_only_for_an_action_on_an_asset(demo) -> None:
    # No asset named: no asset record to be old, whatever the other ages.
    unknown = evaluate(demo, asset_change(demo, Freshness(), asset=None))
    assert "asset-change-on-a-record-older-than-7d-needs-approval" not in (
        unknown.matched_rules
    )
    # An asset named whose record never came counts as too old.
    named = evaluate(demo, asset_change(demo, Freshness()))
    assert "asset-change-on-a-record-older-than-7d-needs-approval" in (
        named.matched_rules
    )


def test_the_asset_status_is_read_back_from_the_evidence() -> None:
    evidence = {
        "freshness": {"asset": {"asset_id": "A-1", "status": "retired", "age_s": 60.0}}
    }
    freshness = freshness_in_evidence(evidence, elapsed=30.0)
    assert freshness.asset_status == "retired"
    assert freshness.age("asset") == 90.0
