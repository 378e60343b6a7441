"""evaluate() on the shipped default policy: one example per kind of rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from policies import (
    Decision,
    KillSwitches,
    Outcome,
    Policy,
    Request,
    evaluate,
    fresh,
    request_for_call,
)
from policies.errors import InvalidRequest


def decide(
    policy: Policy, tool: str, args: dict[str, Any] | None = None, **context: Any
) -> Decision:
    context.setdefault("role", "technician")
    # Fresh data unless a test says otherwise (the age rules have their tests).
    context.setdefault("freshness", fresh(job_in_book=True))
    request = request_for_call(
        policy, tool=tool, args=args or {}, technician_id="t-17", **context
    )
    return evaluate(policy, request)


def test_read_tools_are_allowed_for_every_role(default_policy: Policy) -> None:
    for role in ("technician", "senior_technician", "apprentice"):
        decision = decide(default_policy, "search_kb", {"query": "E-42"}, role=role)
        assert decision.allowed
        assert decision.matched_rules == ("read-tools",)
        assert decision.reasons == ("Looking things up changes nothing.",)


def test_tool_off_the_role_allow_list_is_denied(default_policy: Policy) -> None:
    decision = decide(
        default_policy,
        "order_part",
        {"quantity": 1, "unit_price": 5},
        role="apprentice",
    )
    assert decision.denied
    assert decision.matched_rules == ("roles.apprentice",)
    assert "apprentice role may not use order_part" in decision.reasons[0]


def test_senior_technician_may_update_assets_but_technician_may_not(
    default_policy: Policy,
) -> None:
    args = {"asset_id": "PUMP-7", "field": "location"}
    assert decide(
        default_policy, "update_asset", args, role="senior_technician"
    ).needs_confirmation
    assert decide(default_policy, "update_asset", args).denied


@pytest.mark.parametrize(
    ("tool", "rule"),
    [
        ("create_work_order", "confirm-record-changes"),
        ("update_work_order", "confirm-record-changes"),
        ("close_work_order", "confirm-record-changes"),
        ("record_repair", "confirm-record-changes"),
        ("escalate_to_supervisor", "confirm-record-changes"),
        ("contact_customer", "confirm-customer-contact"),
    ],
)
def test_every_change_and_customer_contact_needs_confirmation(
    default_policy: Policy, tool: str, rule: str
) -> None:
    decision = decide(default_policy, tool, {"job_id": "J-1"})
    assert decision.needs_confirmation
    assert decision.matched_rules == (rule,)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "outcome", "deciding_rule"),
    [
        (2, 100.0, Outcome.CONFIRM, "confirm-orders"),
        (1, 250.0, Outcome.CONFIRM, "confirm-orders"),
        (1, 250.01, Outcome.APPROVE, "parts-over-250-need-approval"),
        (4, 500.0, Outcome.APPROVE, "parts-over-250-need-approval"),
        (1, 2000.0, Outcome.APPROVE, "parts-over-250-need-approval"),
        (3, 700.0, Outcome.DENY, "parts-over-2000-denied"),
    ],
)
def test_money_thresholds_escalate_parts_orders(
    default_policy: Policy,
    quantity: int,
    unit_price: float,
    outcome: Outcome,
    deciding_rule: str,
) -> None:
    args = {
        "part_number": "4471-A20-339",
        "quantity": quantity,
        "unit_price": unit_price,
    }
    decision = decide(default_policy, "order_part", args)
    assert decision.outcome is outcome
    assert decision.matched_rules[0] == deciding_rule


def test_an_order_without_a_price_needs_approval(default_policy: Policy) -> None:
    decision = decide(default_policy, "order_part", {"part_number": "X", "quantity": 1})
    assert decision.needs_approval
    assert decision.matched_rules[0] == "unpriced-order-needs-approval"


@pytest.mark.parametrize(
    ("quantity", "outcome"),
    [
        (10, Outcome.CONFIRM),
        (11, Outcome.APPROVE),
        (50, Outcome.APPROVE),
        (51, Outcome.DENY),
    ],
)
def test_quantity_limits(
    default_policy: Policy, quantity: int, outcome: Outcome
) -> None:
    args = {"part_number": "X", "quantity": quantity, "unit_price": 0.5}
    assert decide(default_policy, "order_part", args).outcome is outcome


def test_every_matched_rule_is_reported_deciding_one_first(
    default_policy: Policy,
) -> None:
    args = {"part_number": "X", "quantity": 60, "unit_price": 100.0}
    decision = decide(default_policy, "order_part", args)
    assert decision.denied
    assert decision.matched_rules == (
        "parts-over-2000-denied",
        "quantity-over-50-denied",
        "parts-over-250-need-approval",
        "quantity-over-10-needs-approval",
        "confirm-orders",
    )
    assert len(decision.reasons) == len(decision.matched_rules)


def test_asset_scope_keeps_technicians_off_medical_equipment(
    default_policy: Policy,
) -> None:
    args = {"job_id": "J-9", "asset_id": "MED-0042", "notes": "replaced seal"}
    assert decide(default_policy, "record_repair", args).denied
    assert decide(
        default_policy, "record_repair", args, role="senior_technician"
    ).needs_confirmation
    assert decide(default_policy, "read_asset", {"asset_id": "MED-0042"}).allowed


def test_site_scope_limits_apprentice_repairs_to_training_sites(
    default_policy: Policy,
) -> None:
    at_training = decide(
        default_policy, "record_repair", {"site": "TRAIN-2"}, role="apprentice"
    )
    in_field = decide(
        default_policy, "record_repair", {"site": "NORTH-1"}, role="apprentice"
    )
    unknown = decide(default_policy, "record_repair", {}, role="apprentice")
    assert at_training.needs_confirmation
    assert in_field.denied and unknown.denied
    assert in_field.matched_rules[0] == "apprentice-repairs-at-training-sites"


def test_arguments_can_trigger_rules(default_policy: Policy) -> None:
    cancel = decide(
        default_policy, "update_work_order", {"job_id": "J-1", "status": "cancelled"}
    )
    done = decide(
        default_policy, "update_work_order", {"job_id": "J-1", "status": "done"}
    )
    assert cancel.needs_approval
    assert done.needs_confirmation


@pytest.mark.parametrize(
    ("confidence", "grounded", "outcome"),
    [
        (0.9, True, Outcome.CONFIRM),
        (0.6, True, Outcome.CONFIRM),
        (0.59, True, Outcome.DENY),
        (None, True, Outcome.DENY),
        (0.9, False, Outcome.DENY),
        (0.9, None, Outcome.DENY),
    ],
)
def test_model_proposals_need_confidence_and_grounding(
    default_policy: Policy,
    confidence: float | None,
    grounded: bool | None,
    outcome: Outcome,
) -> None:
    decision = decide(
        default_policy,
        "create_work_order",
        {"asset_id": "PUMP-7"},
        model_proposed=True,
        model_confidence=confidence,
        grounded=grounded,
    )
    assert decision.outcome is outcome


def test_confidence_rules_do_not_apply_to_the_technicians_own_actions(
    default_policy: Policy,
) -> None:
    decision = decide(default_policy, "create_work_order", {"asset_id": "PUMP-7"})
    assert decision.needs_confirmation


def test_kill_switch_for_an_action_type_denies_it(default_policy: Policy) -> None:
    request = Request("t-1", "senior_technician", "update_asset", "delete")
    tools = {**default_policy.tools, "update_asset": "delete"}
    decision = evaluate(replace(default_policy, tools=tools), request)
    assert decision.denied
    assert "kill_switch.action_type" in decision.matched_rules


def test_kill_switch_for_a_tool_denies_it_even_for_reading(
    default_policy: Policy,
) -> None:
    switches = KillSwitches(tools=frozenset({"ocr_photo"}), reason="OCR is being fixed")
    policy = replace(default_policy, kill_switches=switches)
    decision = decide(policy, "ocr_photo")
    assert decision.denied
    assert decision.reasons == ("ocr_photo is off: OCR is being fixed.",)
    assert decide(policy, "search_kb").allowed


def test_agent_kill_switch_denies_every_action_but_not_reading(
    default_policy: Policy,
) -> None:
    policy = replace(
        default_policy, kill_switches=KillSwitches(agent=True, reason="audit")
    )
    assert decide(policy, "create_work_order").denied
    assert decide(policy, "contact_customer").matched_rules == ("kill_switch.agent",)
    assert decide(policy, "lookup_code", {"code": "E-42"}).allowed


def test_unknown_tool_and_role_are_denied(default_policy: Policy) -> None:
    assert decide(default_policy, "format_disk").matched_rules == ("tools",)
    assert decide(default_policy, "search_kb", role="visitor").matched_rules == (
        "roles",
    )


def test_action_type_must_match_the_catalogue(default_policy: Policy) -> None:
    sneaky = Request("t-1", "technician", "order_part", "read", amount=99_999.0)
    decision = evaluate(default_policy, sneaky)
    assert decision.denied
    assert decision.matched_rules == ("tools.order_part",)


@pytest.mark.parametrize(
    "field",
    [
        {"amount": float("nan")},
        {"amount": float("inf")},
        {"amount": -1.0},
        {"quantity": -3},
        {"model_confidence": float("nan")},
        {"model_confidence": 1.5},
    ],
)
def test_numbers_a_threshold_cannot_judge_are_denied(
    default_policy: Policy, field: dict[str, Any]
) -> None:
    request = Request("t-1", "technician", "order_part", "order", **field)
    decision = evaluate(default_policy, request)
    assert decision.denied
    assert decision.matched_rules[0].startswith("request.")


@pytest.mark.parametrize(
    "args",
    [
        {"quantity": "3"},
        {"quantity": 2.5},
        {"quantity": True},
        {"quantity": 1, "unit_price": "12"},
        {"quantity": 1, "unit_price": float("nan")},
        {"amount": -5},
        {"asset_id": 42},
    ],
)
def test_tool_calls_with_unjudgeable_arguments_build_no_request(
    default_policy: Policy, args: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequest):
        decide(default_policy, "order_part", args)


def test_request_takes_amount_quantity_and_where_from_arguments(
    default_policy: Policy,
) -> None:
    request = request_for_call(
        default_policy,
        tool="order_part",
        args={"quantity": 3.0, "unit_price": 12.5, "asset_id": "PUMP-7", "site": "S-1"},
        technician_id="t-1",
        role="technician",
        asset="CONTEXT-ASSET",
        job="J-5",
    )
    assert (request.quantity, request.amount) == (3, 37.5)
    assert (request.asset, request.site, request.job) == ("PUMP-7", "S-1", "J-5")
    assert request.action_type == "order"


def test_decision_carries_the_bundle_version(default_policy: Policy) -> None:
    decision = decide(default_policy.with_version(7), "search_kb")
    assert decision.bundle_version == 7
    assert decision.as_dict()["bundle_version"] == 7
    assert decision.as_dict()["outcome"] == "allow"


def test_budgets_and_redaction_come_from_the_policy(default_policy: Policy) -> None:
    budgets = default_policy.budgets
    assert budgets.answer_max_tokens == 256
    assert budgets.tool_timeout("ocr_photo") == 15_000
    assert budgets.tool_timeout("read_job") == budgets.tool_timeout_ms == 2_000
    assert {"customer_phone", "customer_email"} <= default_policy.redact_fields


def test_outcomes_are_ordered_from_permissive_to_strict() -> None:
    assert Outcome.ALLOW < Outcome.CONFIRM < Outcome.APPROVE < Outcome.DENY
    assert [str(o) for o in Outcome] == ["allow", "confirm", "approve", "deny"]
    assert Outcome.parse("Approve") is Outcome.APPROVE
    with pytest.raises(ValueError, match="expected one of"):
        Outcome.parse("maybe")
