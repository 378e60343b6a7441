"""Rules on where an argument's text came from, and interactive confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from policies import (
    Condition,
    Decision,
    Outcome,
    Policy,
    Rule,
    evaluate,
    fresh,
    origins_in_evidence,
    policy_from_sources,
    request_for_call,
)

CATALOGUE = """
[tools]
contact_customer = "contact"
order_part = "order"

[roles.technician]
tools = ["contact_customer", "order_part"]
"""
RULES = """
[[rules]]
id = "confirm-contact"
outcome = "confirm"
reason = "Contacting a customer needs your confirmation."
when.tools = ["contact_customer"]

[[rules]]
id = "message-not-typed"
outcome = "approve"
interactive = true
reason = "A message you did not type needs approval."
when.tools = ["contact_customer"]
when.arg_origins.message = ["document", "model", "unknown"]

[[rules]]
id = "photo-part"
outcome = "confirm"
interactive = true
reason = "A part read from a photo is confirmed at a prompt."
when.tools = ["order_part"]
when.arg_origins.part_number = ["photo"]
"""
MESSAGE = {"job_id": "J-1", "channel": "sms", "message": "Pay by wire to ..."}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return policy_from_sources({"catalogue.toml": CATALOGUE, "rules.toml": RULES})


def decide(
    policy: Policy, tool: str, args: dict[str, Any], origins: dict[str, Any] | None
) -> Decision:
    request = request_for_call(
        policy,
        tool=tool,
        args=args,
        technician_id="t-1",
        role="technician",
        arg_origins=origins,
        freshness=fresh(job_in_book=True),  # fresh data: the age rules aside
    )
    return evaluate(policy, request)


@pytest.mark.parametrize("origin", ["document", "model"])
def test_a_message_from_a_document_or_the_model_needs_approval_at_a_prompt(
    policy: Policy, origin: str
) -> None:
    decision = decide(policy, "contact_customer", MESSAGE, {"message": origin})

    assert decision.outcome is Outcome.APPROVE
    assert decision.interactive and decision.needs_interactive_confirmation
    assert decision.matched_rules == ("message-not-typed", "confirm-contact")
    assert decision.as_dict()["interactive"] is True


def test_a_typed_message_is_only_confirmed(policy: Policy) -> None:
    decision = decide(policy, "contact_customer", MESSAGE, {"message": "typed"})

    assert decision.outcome is Outcome.CONFIRM
    assert not decision.interactive
    assert "interactive" not in decision.as_dict()


@pytest.mark.parametrize(
    "origins",
    [None, {}, {"message": "pasted"}, {"message": 7}, {"channel": "typed"}],
    ids=["none", "empty", "not-an-origin", "not-text", "other-argument"],
)
def test_an_origin_not_recorded_or_not_known_counts_as_unknown(
    policy: Policy, origins: dict[str, Any] | None
) -> None:
    decision = decide(policy, "contact_customer", MESSAGE, origins)

    assert decision.outcome is Outcome.APPROVE
    assert decision.matched_rules[0] == "message-not-typed"


def test_an_argument_not_given_matches_no_origin_rule(policy: Policy) -> None:
    args = {"job_id": "J-1", "channel": "sms"}

    decision = decide(policy, "contact_customer", args, {"message": "model"})

    assert decision.outcome is Outcome.CONFIRM
    assert decision.matched_rules == ("confirm-contact",)


def test_a_photo_part_needs_a_confirmation_at_a_prompt(policy: Policy) -> None:
    args = {"part_number": "4471-G10-131", "quantity": 1}

    by_photo = decide(policy, "order_part", args, {"part_number": "photo"})
    typed = decide(policy, "order_part", args, {"part_number": "typed"})

    assert by_photo.outcome is Outcome.CONFIRM and by_photo.interactive
    assert typed.outcome is Outcome.ALLOW and not typed.interactive


def test_a_deny_beats_an_interactive_rule_and_is_not_interactive() -> None:
    deny = Rule(
        "no-orders",
        Outcome.DENY,
        "No orders.",
        Condition(tools=frozenset({"order_part"})),
    )
    policy = policy_from_sources({"catalogue.toml": CATALOGUE, "rules.toml": RULES})
    policy = Policy(policy.tools, policy.roles, (*policy.rules, deny))

    decision = decide(
        policy,
        "order_part",
        {"part_number": "P", "quantity": 1},
        {"part_number": "photo"},
    )

    assert decision.denied
    assert not decision.interactive and not decision.needs_interactive_confirmation


def test_the_default_policy_approves_text_not_typed_and_confirms_typed_text(
    default_policy: Policy,
) -> None:
    cases = [
        ("contact_customer", "message", MESSAGE),
        ("update_work_order", "note", {"job_id": "J-1", "note": "pay by wire"}),
        ("escalate_to_supervisor", "summary", {"summary": "pay by wire"}),
    ]
    for tool, field, args in cases:
        for origin in ("photo", "document", "model", None):
            origins = {field: origin} if origin else None
            decision = decide(default_policy, tool, args, origins)
            assert decision.outcome is Outcome.APPROVE, (tool, origin)
            assert decision.needs_interactive_confirmation, (tool, origin)
        typed = decide(default_policy, tool, args, {field: "typed"})
        assert typed.outcome is Outcome.CONFIRM and not typed.interactive, tool


def test_the_default_policy_confirms_a_photo_part_at_a_prompt(
    default_policy: Policy,
) -> None:
    args = {"part_number": "4471-G10-131", "quantity": 2, "unit_price": 9.8}

    decision = decide(default_policy, "order_part", args, {"part_number": "photo"})

    assert decision.outcome is Outcome.CONFIRM
    assert decision.needs_interactive_confirmation
    assert "part-read-from-photo-confirmed-at-a-prompt" in decision.matched_rules


def test_origins_are_read_from_evidence_leaving_out_what_is_not_text() -> None:
    evidence = {"argument_origins": {"message": "document", "channel": 3}}

    assert origins_in_evidence(evidence) == {"message": "document"}
    assert origins_in_evidence({"argument_origins": ["document"]}) == {}
    assert origins_in_evidence({}) == {}


def test_an_interactive_rules_reason_comes_first_among_its_outcome() -> None:
    orders = frozenset({"order_part"})
    plain = Rule("plain", Outcome.CONFIRM, "Orders are confirmed.", Condition(orders))
    prompt = Rule(
        "prompt", Outcome.CONFIRM, "At a prompt.", Condition(orders), interactive=True
    )
    base = policy_from_sources({"catalogue.toml": CATALOGUE, "rules.toml": ""})
    policy = Policy(base.tools, base.roles, (plain, prompt))

    decision = decide(policy, "order_part", {"part_number": "P", "quantity": 1}, None)

    assert decision.matched_rules == ("prompt", "plain")
    assert decision.reasons[0] == "At a prompt."
