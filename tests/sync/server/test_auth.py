"""Enrolment and request authentication: what the centre refuses, and why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sync.enrolment_binding import (
    binding_key,
    device_secret,
    enrol_request,
    matches,
    response_binding,
)
from sync.protocol import EnrollResponse
from tests.sync.server.support import REPAIR, FieldDevice, Harness, harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as h:
        h.publish_default_policy()
        yield h


def enrol_body(token: str, **fields: str) -> dict[str, str | None]:
    request = enrol_request(
        token,
        device_name=fields.get("device_name", "laptop"),
        technician_id=fields.get("technician_id", "ann"),
        device_id=fields.get("device_id"),
    )
    return request.model_dump()


def test_enrolment_gives_a_device_id_and_a_secret(centre: Harness) -> None:
    token = centre.token()
    body = enrol_body(token)

    response = centre.http.post("/v1/enroll", json=body)

    assert response.status_code == 200
    assert token not in str(body)
    reply = EnrollResponse.model_validate(response.json())
    assert reply.device_id.startswith("dev-") and len(reply.secret_seed) >= 40
    assert reply.key_set == centre.services.keys.current().encode()
    key = binding_key(token)
    assert matches(response_binding(key, reply), reply.binding)
    secret = device_secret(key, reply.secret_seed)
    device = FieldDevice(centre, reply.device_id, secret, "ann")
    assert device.pull().status_code == 200


def test_an_enrolment_token_works_once(centre: Harness) -> None:
    token = centre.token()
    first = centre.http.post("/v1/enroll", json=enrol_body(token, device_id="dev-a1"))

    again = centre.http.post("/v1/enroll", json=enrol_body(token, device_id="dev-b2"))

    assert first.status_code == 200
    assert again.status_code == 403
    assert again.json() == {
        "error": "enrolment_refused",
        "detail": "This enrolment token was used already; each token enrols one "
        "device.",
    }


def test_an_expired_token_is_refused(centre: Harness) -> None:
    token = centre.token()
    centre.clock.advance(timedelta(hours=25))

    response = centre.http.post("/v1/enroll", json=enrol_body(token))

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def test_a_token_for_another_technician_is_refused(centre: Harness) -> None:
    token = centre.token(technician="bob")

    response = centre.http.post("/v1/enroll", json=enrol_body(token))

    assert response.status_code == 403
    assert "another technician" in response.json()["detail"]


def test_an_unknown_token_is_refused(centre: Harness) -> None:
    response = centre.http.post("/v1/enroll", json=enrol_body("not-a-token-at-all"))

    assert response.status_code == 403


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def test_a_request_without_credentials_is_refused(centre: Harness) -> None:
    response = centre.http.post("/v1/pull", json={})

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_another_devices_credential_is_refused(
    centre: Harness, device: FieldDevice
) -> None:
    other = centre.enrol("dev-other-01", "bob")

    response = device.post("/v1/pull", b"{}", secret=other.secret)

    assert response.status_code == 401
    assert "signature does not match" in response.json()["detail"]


def test_a_replayed_request_is_refused(centre: Harness, device: FieldDevice) -> None:
    assert device.post("/v1/pull", b"{}", nonce="nonce-replayed").status_code == 200

    again = device.post("/v1/pull", b"{}", nonce="nonce-replayed")

    assert again.status_code == 401
    assert again.json()["error"] == "replay_refused"


def test_a_request_outside_the_time_window_is_refused(
    centre: Harness, device: FieldDevice
) -> None:
    old = str((centre.clock.now - timedelta(minutes=6)).timestamp())

    response = device.post("/v1/pull", b"{}", timestamp=old)

    assert response.status_code == 401
    assert "clock" in response.json()["detail"]


def test_iso_timestamps_are_accepted(centre: Harness, device: FieldDevice) -> None:
    now = centre.clock.now.isoformat()

    assert device.post("/v1/pull", b"{}", timestamp=now).status_code == 200


def test_a_tampered_body_is_refused(centre: Harness, device: FieldDevice) -> None:
    device.record("record_repair", REPAIR)
    body = device.batch().model_dump_json().encode()
    from sync.auth import signed_headers

    headers = signed_headers(
        device.device_id,
        device.secret,
        method="POST",
        path="/v1/push",
        body=body,
        timestamp=str(centre.clock.now.timestamp()),
        nonce="nonce-tamper-1",
    )
    response = centre.http.post(
        "/v1/push", content=body.replace(b"replaced", b"removed"), headers=headers
    )

    assert response.status_code == 401


def test_revocation_takes_effect_on_the_next_request(
    centre: Harness, device: FieldDevice
) -> None:
    assert device.pull().status_code == 200

    with centre.services.storage.write() as connection:
        from sync.server.storage import devices as storage_devices

        storage_devices.revoke(
            connection, device.device_id, at=centre.clock(), reason="lost laptop"
        )

    response = device.pull()
    assert response.status_code == 401
    assert response.json()["error"] == "device_revoked"


def test_a_device_id_already_enrolled_is_not_taken_over(
    centre: Harness, device: FieldDevice
) -> None:
    response = centre.http.post(
        "/v1/enroll", json=enrol_body(centre.token(), device_id=device.device_id)
    )

    assert response.status_code == 409
