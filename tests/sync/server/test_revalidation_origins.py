"""The centre decides again on where each argument came from, as the device
recorded it in the evidence, and on whether the confirmation was given at a
prompt when a policy asks for that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync import ActionState, payload_hash
from sync.protocol import WireAction
from sync.server.revalidation import CentrePolicy, DeviceContext, revalidate
from tests.sync.server.support import (
    MESSAGE,
    FieldDevice,
    Harness,
    default_policy,
    recorded_with_origins,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN = DeviceContext("ann", "technician", {})
PART = {"part_number": "4471-G10-131", "quantity": 2, "unit_price": 9.8}


def centre_policy(version: int = 2) -> CentrePolicy:
    return CentrePolicy(default_policy(version), version, NOW + timedelta(days=1))


def wire(tool: str, args: dict[str, Any], origins, **kw: Any) -> WireAction:
    fields = recorded_with_origins(tool, args, origins, **kw)
    return WireAction(
        key="k" * 32,
        seq=1,
        action_type=default_policy().tools[tool],
        payload_hash=payload_hash(fields["payload"]),
        trace_id="t",
        created_at="2026-03-02T08:00:00.000000Z",
        prev_hash="0" * 64,
        row_hash="1" * 64,
        **fields,
    )


def judge(action: WireAction):
    return revalidate(action, context=ANN, policy=centre_policy(), now=NOW)


def test_text_from_a_document_is_held_for_approval_at_the_centre_too() -> None:
    action = wire("contact_customer", MESSAGE, {"message": "document"})
    assert action.decision["outcome"] == "approve"

    verdict = judge(action)

    assert verdict.status == "quarantined"
    assert verdict.centre_outcome == "approve"
    assert verdict.centre_decision is not None
    assert verdict.centre_decision["interactive"] is True
    assert verdict.centre_decision["matched_rules"][0] == (
        "customer-message-not-typed-needs-approval"
    )
    assert "supervisor's approval" in verdict.reason
    assert "not given at a prompt" not in verdict.reason


def test_a_typed_message_confirmed_on_the_device_is_applied() -> None:
    verdict = judge(
        wire("contact_customer", MESSAGE, {"message": "typed"}, at_prompt=False)
    )

    assert verdict.status == "applied"
    assert verdict.centre_outcome == "confirm"


def test_an_action_from_a_device_that_records_no_origins_is_judged_as_unknown() -> None:
    action = wire("contact_customer", MESSAGE, None, at_prompt=None)

    verdict = judge(action)

    assert verdict.status == "quarantined"
    assert verdict.centre_outcome == "approve"
    assert "supervisor's approval" in verdict.reason


def test_a_photo_part_confirmed_with_yes_is_quarantined_at_a_prompt_applied() -> None:
    scripted = judge(
        wire("order_part", PART, {"part_number": "photo"}, at_prompt=False)
    )
    prompted = judge(wire("order_part", PART, {"part_number": "photo"}))

    assert scripted.status == "quarantined"
    assert "not given at a prompt, as the device's policy asks" in scripted.reason
    assert prompted.status == "applied"
    assert prompted.centre_outcome == "confirm"


def test_the_centre_asks_for_a_prompt_its_policy_wants_though_the_device_did_not() -> (
    None
):
    action = wire("order_part", PART, {"part_number": "photo"}, at_prompt=False)
    older = action.decision | {"outcome": "confirm", "matched_rules": ["r"]}
    older.pop("interactive")
    action = action.model_copy(update={"decision": older})

    verdict = judge(action)

    assert verdict.status == "quarantined"
    assert "as the centre's policy (version 2) asks" in verdict.reason


def test_a_pushed_action_reaches_the_devices_decision_from_its_evidence(
    centre: Harness,
) -> None:
    device: FieldDevice = centre.enrol()
    for origins in ({"message": "document"}, {"message": "typed"}):
        fields = recorded_with_origins("contact_customer", MESSAGE, origins)
        device.outbox.enqueue(
            tool="contact_customer",
            action_type="contact",
            payload=fields["payload"],
            decision=fields["decision"],
            confirmation=fields["confirmation"],
            evidence=fields["evidence"],
            trace={"trace_id": f"t-{len(origins)}", "name": "propose", "spans": []},
            state=ActionState(fields["state"]),
        )

    response = device.push()

    assert response.status_code == 200, response.text
    document, typed = response.json()["results"]
    assert (document["status"], document["decision"]["outcome"]) == (
        "quarantined",
        "approve",
    )
    assert document["decision"]["interactive"] is True
    assert (typed["status"], typed["decision"]["outcome"]) == ("applied", "confirm")
