"""Re-validation under the centre's current policy, as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from policies import Decision, Outcome, evaluate, request_for_call
from sync import payload_hash
from sync.protocol import KillSwitchState, WireAction
from sync.server.centre_policy import with_switches
from sync.server.revalidation import CentrePolicy, DeviceContext, revalidate
from tests.sync.server.support import (
    BIG_ORDER,
    FRESH,
    FRESH_DATA,
    REPAIR,
    SMALL_ORDER,
    default_policy,
    fresh_evidence,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = DeviceContext("ann", "technician", {})


def centre(version: int = 2, **switches: Any) -> CentrePolicy:
    policy = default_policy(version)
    if switches:
        policy = with_switches(policy, KillSwitchState(**switches))
    return CentrePolicy(policy, version, NOW + timedelta(days=1))


def action(
    tool: str,
    args: dict[str, Any],
    *,
    outcome: Outcome | None = None,
    confirmed_by: str | None = "ann",
    version: int = 1,
    **changes: Any,
) -> WireAction:
    payload = {"tool": tool, "args": args}
    if outcome is None:
        request = request_for_call(
            default_policy(version),
            tool=tool,
            args=args,
            technician_id="ann",
            role="technician",
            freshness=FRESH,
        )
        decision = evaluate(default_policy(version), request)
    else:
        decision = Decision(outcome, ("device said so",), ("r",), version)
    confirmation = (
        {
            "technician_id": confirmed_by,
            "payload_hash": payload_hash(payload),
            "bundle_version": version,
            "confirmed_at": "2026-03-02T08:00:00Z",
        }
        if confirmed_by
        else None
    )
    fields: dict[str, Any] = {
        "key": "k" * 32,
        "seq": 1,
        "tool": tool,
        "action_type": default_policy().tools[tool],
        "payload": payload,
        "payload_hash": payload_hash(payload),
        "state": "awaiting_approval"
        if decision.outcome is Outcome.APPROVE
        else "queued",
        "decision": decision.as_dict(),
        "confirmation": confirmation,
        "evidence": fresh_evidence(proposed_by="technician"),
        "trace_id": "t",
        "created_at": "2026-03-02T08:00:00.000000Z",
        "prev_hash": "0" * 64,
        "row_hash": "1" * 64,
    }
    return WireAction(**{**fields, **changes})


def judge(wire: WireAction, policy: CentrePolicy | None = None, **kw: Any):
    return revalidate(
        wire, context=kw.pop("context", ANN), policy=policy or centre(), now=NOW, **kw
    )


def test_allowed_by_both_policies_is_applied_with_both_versions_named() -> None:
    verdict = judge(action("record_repair", REPAIR))

    assert verdict.status == "applied"
    assert "version 1" in verdict.reason and "version 2" in verdict.reason
    assert verdict.centre_outcome == "confirm" and verdict.centre_bundle_version == 2


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (action("order_part", BIG_ORDER), "supervisor's approval"),
        (action("record_repair", REPAIR, confirmed_by=None), "confirmation is missing"),
        (action("record_repair", REPAIR, confirmed_by="bob"), "given by 'bob'"),
        (
            action("record_repair", REPAIR, outcome=Outcome.ALLOW, confirmed_by=None),
            "policies disagree",
        ),
        (
            action("record_repair", REPAIR, outcome=Outcome.DENY),
            "device's policy denied",
        ),
        (
            action("record_repair", REPAIR, decision={"outcome": "maybe"}),
            "unreadable",
        ),
        (action("record_repair", REPAIR, payload_hash="0" * 64), "payload hash"),
        (
            action("record_repair", REPAIR, payload={"tool": "order_part", "args": {}}),
            "not a call of record_repair",
        ),
        (
            action(
                "record_repair", REPAIR, payload={"tool": "record_repair", "args": []}
            ),
            "not a call of record_repair",
        ),
    ],
)
def test_what_quarantines_an_action(wire: WireAction, expected: str) -> None:
    verdict = judge(wire)

    assert verdict.status == "quarantined"
    assert expected in verdict.reason


def test_a_confirmation_under_another_policy_version_quarantines() -> None:
    wire = action("record_repair", REPAIR)
    moved = wire.model_copy(
        update={"confirmation": {**(wire.confirmation or {}), "bundle_version": 9}}
    )

    assert "policy version 9" in judge(moved).reason


def test_denied_now_is_rejected_even_if_the_device_allowed_it() -> None:
    verdict = judge(action("order_part", SMALL_ORDER), centre(tools=["order_part"]))

    assert verdict.status == "rejected"
    assert "order_part is off" in verdict.reason


def test_a_fleet_kill_switch_rejects_every_change() -> None:
    verdict = judge(action("record_repair", REPAIR), centre(agent=True, reason="storm"))

    assert verdict.status == "rejected" and "storm" in verdict.reason


def test_no_policy_or_an_expired_one_quarantines() -> None:
    wire = action("record_repair", REPAIR)
    expired = CentrePolicy(default_policy(2), 2, NOW - timedelta(seconds=1))

    none = revalidate(wire, context=ANN, policy=None, now=NOW)
    old = revalidate(wire, context=ANN, policy=expired, now=NOW)

    assert (none.status, old.status) == ("quarantined", "quarantined")
    assert "no policy" in none.reason and "expired" in old.reason


def test_a_chain_problem_quarantines_and_keeps_the_centre_decision() -> None:
    verdict = judge(action("record_repair", REPAIR), chain_problem="The chain breaks")

    assert verdict.status == "quarantined"
    assert verdict.reason.startswith("The chain breaks.")
    assert verdict.centre_outcome == "confirm"


def test_the_centre_judges_the_job_site_from_the_devices_job_book() -> None:
    context = DeviceContext(
        "ann", "technician", {"J-1": {"job_id": "J-1", "asset_id": "MED-3"}}
    )

    verdict = judge(action("record_repair", REPAIR), context=context)

    assert verdict.status == "rejected" and "Medical equipment" in verdict.reason


def test_invalid_arguments_are_rejected() -> None:
    wire = action(
        "order_part", {**SMALL_ORDER, "quantity": -1}, outcome=Outcome.CONFIRM
    )

    verdict = judge(wire)

    assert verdict.status == "rejected" and "not valid" in verdict.reason


def aged_evidence(job_book_age: float, **job: Any) -> dict[str, Any]:
    record = {**FRESH_DATA, "job_book": {"age_s": job_book_age, "version": 7}}
    if job:
        record["job"] = job
    return {"proposed_by": "technician", "freshness": record}


def test_the_centre_adds_the_time_since_creation_to_the_stated_ages() -> None:
    # 40 hours old when proposed, pushed 10 hours later: 50 hours at the centre.
    created = (NOW - timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    wire = action(
        "order_part",
        SMALL_ORDER,
        created_at=created,
        evidence=aged_evidence(40 * 3600),
    )
    verdict = judge(wire)
    assert verdict.status == "quarantined"
    assert "needs a supervisor's approval" in verdict.reason
    assert "(job book v7 from 2 days ago)" in verdict.reason
    fresh_enough = action(
        "order_part", SMALL_ORDER, created_at=created, evidence=aged_evidence(3600)
    )
    assert judge(fresh_enough).status == "applied"


def test_an_action_on_a_job_the_device_did_not_hold_is_rejected() -> None:
    wire = action(
        "record_repair",
        REPAIR,
        outcome=Outcome.CONFIRM,
        evidence=aged_evidence(3600, job_id="J-1001", in_book=False, status=None),
    )
    verdict = judge(wire)
    assert verdict.status == "rejected"
    assert "not in the last job book this device received" in verdict.reason


def test_an_order_from_a_device_that_records_no_ages_is_held_for_review() -> None:
    wire = action("order_part", SMALL_ORDER, evidence={"proposed_by": "technician"})
    verdict = judge(wire)
    assert verdict.status == "quarantined"
    assert "job book: age unknown (never received)" in verdict.reason
