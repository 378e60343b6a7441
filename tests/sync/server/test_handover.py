"""Handing over a revoked device: its queued actions reach the centre once."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from sync.enrolment_binding import binding_key, device_secret, enrol_request
from sync.server.errors import Conflict, RecordNotFound
from sync.server.fleet_state import device_state
from sync.server.storage import SCHEMA_VERSION, Storage
from sync.server.storage import devices as storage_devices
from sync.server.storage.audit import events
from sync.server.storage.schema import actions, deliveries, schema_migrations
from tests.sync.server.support import (
    REPAIR,
    SMALL_ORDER,
    FieldDevice,
    Harness,
)


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def revoke(centre: Harness, device_id: str, reason: str = "laptop lost") -> None:
    with centre.services.storage.write() as connection:
        assert storage_devices.revoke(
            connection, device_id, at=centre.clock(), reason=reason
        )


def handover_token(centre: Harness, device_id: str, **options: str) -> str:
    return centre.services.enrolment.issue_handover(
        device_id, expires_in=timedelta(hours=2), actor="sam", **options
    ).token


def enrol(
    centre: Harness, token: str, device_id: str | None, technician: str = "ann"
) -> httpx.Response:
    body = enrol_request(
        token, device_name="laptop", technician_id=technician, device_id=device_id
    )
    return centre.http.post("/v1/enroll", json=body.model_dump())


def hand_over(centre: Harness, device: FieldDevice) -> None:
    """Issue a hand-over token and enrol ``device`` with it (new secret)."""
    token = handover_token(centre, device.device_id)
    response = enrol(centre, token, device.device_id)
    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == device.device_id
    device.secret = device_secret(binding_key(token), response.json()["secret_seed"])


def rows(centre: Harness, table: sa.Table, device_id: str) -> int:
    with centre.services.storage.read() as connection:
        query = sa.select(sa.func.count()).where(table.c.device_id == device_id)
        return int(connection.scalar(query) or 0)


def test_a_plain_token_does_not_re_enrol_a_revoked_device_and_says_what_to_run(
    centre: Harness, device: FieldDevice
) -> None:
    revoke(centre, device.device_id)
    token = centre.token()

    refused = enrol(centre, token, device.device_id)

    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert f"edge-governance device handover {device.device_id}" in detail
    assert "edge-agent enroll" in detail and "laptop lost" in detail
    # The token was not spent: another device enrols with it.
    assert enrol(centre, token, "dev-other-0002").status_code == 200


def test_a_revoked_device_is_told_at_sync_how_to_hand_over(
    centre: Harness, device: FieldDevice
) -> None:
    revoke(centre, device.device_id)

    response = device.pull()

    assert response.status_code == 401
    assert response.json()["error"] == "device_revoked"
    assert f"device handover {device.device_id}" in response.json()["detail"]


def test_a_handover_token_re_enrols_the_revoked_device_with_a_new_secret(
    centre: Harness, device: FieldDevice
) -> None:
    old_secret = device.secret
    revoke(centre, device.device_id)

    hand_over(centre, device)

    assert device.pull().status_code == 200
    refused = device.post("/v1/pull", b"{}", secret=old_secret)
    assert refused.json()["error"] == "not_authenticated"
    state = device_state(centre.services.storage, device.device_id)
    assert state.state == "active"
    (handover,) = state.handovers
    assert (handover.allowed_by, handover.revoked_reason) == ("sam", "laptop lost")
    assert handover.enrolled_at is not None and handover.technician_id == "ann"
    with centre.services.storage.read() as connection:
        logged = [(e.actor, e.event) for e in events(connection)]
    assert ("sam", "handover_token_issued") in logged
    assert (f"device:{device.device_id}", "device_handed_over") in logged


def test_actions_queued_before_revocation_reach_the_centre_once(
    centre: Harness, device: FieldDevice
) -> None:
    first = device.record("record_repair", REPAIR)
    answered = device.push().json()["results"]
    second = device.record("order_part", SMALL_ORDER)
    revoke(centre, device.device_id)
    assert device.push().status_code == 401  # refused: nothing taken

    hand_over(centre, device)
    # The reply to the first push was lost: the device sends both again.
    results = {r["key"]: r for r in device.push().json()["results"]}

    assert results[first] == answered[0]
    assert results[second]["status"] == "applied"
    assert rows(centre, actions, device.device_id) == 2
    assert rows(centre, deliveries, device.device_id) == 2
    again = {r["key"]: r for r in device.push().json()["results"]}
    assert again == results
    assert rows(centre, deliveries, device.device_id) == 2


def test_an_action_recorded_after_the_revocation_waits_for_review(
    centre: Harness, device: FieldDevice
) -> None:
    before = device.record("record_repair", REPAIR)
    revoke(centre, device.device_id, reason="stolen")
    centre.clock.advance(timedelta(minutes=5))
    after = device.record("record_repair", {**REPAIR, "notes": "after"})
    hand_over(centre, device)
    centre.clock.advance(timedelta(minutes=5))
    later = device.record("record_repair", {**REPAIR, "notes": "later"})

    results = {r["key"]: r for r in device.push().json()["results"]}

    assert results[before]["status"] == "applied"
    assert results[after]["status"] == "quarantined"
    assert "after this device was revoked" in results[after]["reason"]
    assert "(stolen)" in results[after]["reason"]
    assert "allowed by sam" in results[after]["reason"]
    assert results[later]["status"] == "applied"


def test_a_handover_token_enrols_only_its_own_device(
    centre: Harness, device: FieldDevice
) -> None:
    revoke(centre, device.device_id)
    token = handover_token(centre, device.device_id)

    other = enrol(centre, token, "dev-other-0002")

    assert other.status_code == 403
    assert f"for device {device.device_id}" in other.json()["detail"]
    assert enrol(centre, token, device.device_id).status_code == 200
    assert enrol(centre, token, device.device_id).status_code == 403  # used


def test_a_handover_is_refused_for_an_active_or_unknown_device(
    centre: Harness, device: FieldDevice
) -> None:
    with pytest.raises(Conflict, match="is not revoked"):
        handover_token(centre, device.device_id)
    with pytest.raises(RecordNotFound):
        handover_token(centre, "dev-nobody-01")
    # An active device is not taken over with any token.
    assert enrol(centre, centre.token(), device.device_id).status_code == 409


def test_a_handover_token_for_an_older_revocation_is_refused(
    centre: Harness, device: FieldDevice
) -> None:
    revoke(centre, device.device_id)
    stale = handover_token(centre, device.device_id)
    hand_over(centre, device)
    revoke(centre, device.device_id, reason="lost again")

    response = enrol(centre, stale, device.device_id)

    assert response.status_code == 403
    assert "not in that state any more" in response.json()["detail"]


def test_a_version_four_database_gains_the_handovers_table(
    database_url: str,
) -> None:
    storage = Storage.open(database_url)
    with storage.write() as connection:  # as a version 4 centre left it
        connection.execute(sa.text("DROP TABLE device_handovers"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 6)
        )
    storage.close()

    upgraded = Storage.open(database_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        assert "device_handovers" in sa.inspect(upgraded.engine).get_table_names()
        assert upgraded.migrate() == 0
    finally:
        upgraded.close()
