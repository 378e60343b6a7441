"""Pushing actions: re-validation, idempotency, order, gaps and the hash chain,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies import Decision, Outcome
from sync import ActionState
from sync.protocol import PushRequest
from tests.sync.server.support import (
    BIG_ORDER,
    HUGE_ORDER,
    REPAIR,
    SMALL_ORDER,
    FieldDevice,
    Harness,
    Recorder,
    harness,
)


@pytest.fixture
def centre(tmp_path: Path, database_url: str):
    """The real app on a fresh database of each backend, policy v1 published."""
    with harness(tmp_path, database_url) as h:
        h.publish_default_policy()
        yield h


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def statuses(response) -> list[tuple[int, str]]:
    assert response.status_code == 200, response.text
    return [(r["seq"], r["status"]) for r in response.json()["results"]]


def test_push_applies_allowed_quarantines_approval_and_rejects_denied(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.record("order_part", BIG_ORDER)
    device.record("order_part", SMALL_ORDER)

    response = device.push()

    assert statuses(response) == [(1, "applied"), (2, "quarantined"), (3, "applied")]
    quarantined = response.json()["results"][1]
    assert "supervisor's approval" in quarantined["reason"]
    assert quarantined["decision"]["outcome"] == "approve"
    assert [r["result_id"] for r in response.json()["results"]] == [1, 2, 3]
    centre.services.delivery.run_once()
    assert [a.seq for a in centre.connector.delivered] == [1, 3]


def test_an_action_the_centre_denies_now_is_rejected(
    centre: Harness, device: FieldDevice
) -> None:
    allow = Decision(Outcome.CONFIRM, ("stale",), ("old",), 1)
    device.enqueue({"tool": "order_part", "args": HUGE_ORDER}, allow)

    (result,) = device.push().json()["results"]

    assert result["status"] == "rejected"
    assert "Parts orders over 2000" in result["reason"]


def test_a_missing_confirmation_quarantines_the_action(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR, confirm=False)

    (result,) = device.push().json()["results"]

    assert result["status"] == "quarantined"
    assert "confirmation is missing" in result["reason"]


def test_a_confirmation_for_another_payload_quarantines_the_action(
    centre: Harness, device: FieldDevice
) -> None:
    decision = Decision(Outcome.CONFIRM, ("confirm",), ("confirm-orders",), 1)
    payload = {"tool": "order_part", "args": SMALL_ORDER}
    key = device.enqueue(payload, decision)
    batch = device.batch()
    (action,) = batch.actions
    tampered = action.model_copy(
        update={
            "confirmation": {**(action.confirmation or {}), "payload_hash": "0" * 64}
        }
    )

    response = device.push(PushRequest(actions=[tampered]))

    (result,) = response.json()["results"]
    assert result["key"] == key and result["status"] == "quarantined"
    assert "another payload" in result["reason"]
    assert "hash chain breaks" in result["reason"]


def test_policies_that_disagree_quarantine_the_action(
    centre: Harness, device: FieldDevice
) -> None:
    lenient = Decision(Outcome.ALLOW, ("allowed",), ("roles.technician",), 1)
    device.enqueue({"tool": "record_repair", "args": REPAIR}, lenient, confirm=False)

    (result,) = device.push().json()["results"]

    assert result["status"] == "quarantined"
    assert "policies disagree" in result["reason"]


def test_a_retry_returns_the_stored_results_and_applies_nothing_twice(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.record("order_part", SMALL_ORDER)
    batch = device.batch()
    first = device.push(batch).json()

    again = device.push(batch).json()

    assert again == first
    centre.services.delivery.run_once()
    assert len(centre.connector.delivered) == 2


def test_the_same_key_with_another_payload_is_refused_with_409(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    batch = device.batch()
    assert device.push(batch).status_code == 200
    (action,) = batch.actions
    changed = action.model_copy(update={"evidence": {"kb_version": "99"}})

    response = device.push(PushRequest(actions=[changed]))

    assert response.status_code == 409
    assert response.json()["error"] == "key_conflict"


def test_a_gap_is_held_then_applied_in_order_when_filled(
    centre: Harness, device: FieldDevice
) -> None:
    for _ in range(3):
        device.record("record_repair", REPAIR)
    one, two, three = device.batch().actions

    held = device.push(PushRequest(actions=[one, three])).json()["results"]
    assert [(r["seq"], r["status"]) for r in held] == [(1, "applied"), (3, "held")]
    assert "waiting for action 2" in held[1]["reason"]

    filled = device.push(PushRequest(actions=[two])).json()["results"]
    assert [(r["seq"], r["status"]) for r in filled] == [(2, "applied")]
    retried = device.push(PushRequest(actions=[three])).json()["results"]
    assert [(r["seq"], r["status"], r["result_id"]) for r in retried] == [
        (3, "applied", 3)
    ]


def test_links_of_unsent_actions_bridge_the_gap(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.record("order_part", HUGE_ORDER)  # denied on the device, never sent
    device.record("order_part", SMALL_ORDER)

    batch = device.batch()

    assert [a.seq for a in batch.actions] == [1, 3]
    assert [link.seq for link in batch.links] == [2]
    assert statuses(device.push(batch)) == [(1, "applied"), (3, "applied")]


def test_a_broken_link_is_quarantined_and_the_chain_goes_on(
    centre: Harness, device: FieldDevice
) -> None:
    for _ in range(3):
        device.record("record_repair", REPAIR)
    one, two, three = device.batch().actions
    forged = two.model_copy(update={"payload": {"tool": "record_repair", "args": {}}})

    results = statuses(device.push(PushRequest(actions=[one, forged, three])))

    assert results == [(1, "applied"), (2, "quarantined"), (3, "applied")]


def test_pull_returns_results_after_the_cursor_and_the_newer_policy(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.record("order_part", BIG_ORDER)
    device.push()

    first = device.pull(results_after=0, policy_version=0).json()
    held = json.loads(first["policy_bundle"])["manifest"]["version"]
    later = device.pull(
        results_after=first["results_cursor"], policy_version=held
    ).json()

    assert [r["status"] for r in first["results"]] == ["applied", "quarantined"]
    assert first["results_cursor"] == 2 and first["policy_bundle"] is not None
    assert later["results"] == [] and later["policy_bundle"] is None


def test_a_supervisor_approval_reaches_the_device_on_its_next_pull(
    centre: Harness, device: FieldDevice
) -> None:
    key = device.record("order_part", BIG_ORDER)
    device.push()
    cursor = device.pull().json()["results_cursor"]

    centre.services.review.approve(key, supervisor="sam", reason="stock is low")

    (result,) = device.pull(results_after=cursor).json()["results"]
    assert (result["key"], result["status"]) == (key, "applied")
    assert "Approved by sam" in result["reason"]
    centre.services.delivery.run_once()
    (delivered,) = centre.connector.delivered
    assert delivered.approved_by == "supervisor:sam"


def test_a_device_never_sees_another_devices_results(centre: Harness) -> None:
    ann = centre.enrol("dev-ann-0001", "ann")
    bob = centre.enrol("dev-bob-0001", "bob")
    ann.record("record_repair", REPAIR)
    ann.push()

    assert bob.pull().json()["results"] == []
    assert len(ann.pull().json()["results"]) == 1


def test_a_restored_outbox_reusing_a_sequence_number_is_quarantined(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.push()
    restored = Recorder(device.device_id, device.technician, centre.clock)
    restored.record("order_part", SMALL_ORDER)  # seq 1 again, another key

    (result,) = device.push(restored.batch()).json()["results"]

    assert (result["seq"], result["status"]) == (1, "quarantined")
    assert "already used by another action" in result["reason"]


def test_an_action_sent_after_its_link_was_verified_is_judged_on_its_own(
    centre: Harness, device: FieldDevice
) -> None:
    waiting = device.outbox.enqueue(
        tool="record_repair",
        action_type="create",
        payload={"tool": "record_repair", "args": REPAIR},
        decision=Decision(Outcome.CONFIRM, ("confirm",), ("r",), 1).as_dict(),
        confirmation=None,
        evidence={"proposed_by": "technician"},
        trace={"trace_id": "later", "name": "propose", "spans": []},
        state=ActionState.PROPOSED,
    )
    device.record("order_part", SMALL_ORDER)
    first = device.batch()
    assert [link.seq for link in first.links] == [1]
    assert statuses(device.push(first)) == [(2, "applied")]
    device.outbox.transition(waiting.key, ActionState.QUEUED, actor="test")

    late, again = device.push(device.batch()).json()["results"]

    assert (again["seq"], again["status"]) == (2, "applied")  # the stored result
    assert (late["seq"], late["status"]) == (1, "quarantined")
    assert "confirmation is missing" in late["reason"]
    assert "already used" not in late["reason"]


def test_pull_pages_results_and_says_when_more_wait(
    tmp_path: Path, database_url: str
) -> None:
    with harness(tmp_path, database_url, pull_page_size=2) as centre:
        centre.publish_default_policy()
        device = centre.enrol()
        for _ in range(3):
            device.record("record_repair", REPAIR)
        device.push()

        first = device.pull().json()
        second = device.pull(results_after=first["results_cursor"]).json()

    assert [r["seq"] for r in first["results"]] == [1, 2] and first["more_results"]
    assert [r["seq"] for r in second["results"]] == [3]
    assert not second["more_results"]


def test_without_a_published_policy_the_centre_applies_nothing(
    tmp_path: Path, database_url: str
) -> None:
    with harness(tmp_path, database_url) as centre:
        device = centre.enrol()
        device.record("record_repair", REPAIR)

        (result,) = device.push().json()["results"]

    assert result["status"] == "quarantined" and "no policy" in result["reason"]


def test_traces_are_stored_with_the_actions(
    centre: Harness, device: FieldDevice
) -> None:
    import sqlalchemy as sa

    from sync.server.storage.schema import traces

    device.record("record_repair", REPAIR)
    device.push()

    with centre.services.storage.read() as connection:
        (stored,) = connection.execute(sa.select(traces)).all()
    assert stored.device_id == device.device_id and stored.name == "propose"
