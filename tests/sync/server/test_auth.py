"""Enrolment and request authentication: what the centre refuses, and why."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from sync.auth import signed_headers
from sync.enrolment_binding import (
    binding_key,
    device_secret,
    enrol_request,
    matches,
    response_binding,
)
from sync.protocol import SIGNATURE_HEADER, EnrollResponse
from sync.server.auth import REFUSED
from sync.server.storage import devices as storage_devices
from tests.sync.server.support import REPAIR, FieldDevice, Harness


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
    assert response.json() == {"error": "not_authenticated", "detail": REFUSED}


def test_an_unknown_device_and_a_wrong_signature_get_the_same_answer(
    centre: Harness, device: FieldDevice
) -> None:
    unknown = device.post("/v1/pull", b"{}", device_id="dev-nobody-01")
    wrong = device.post("/v1/pull", b"{}", secret="not-the-secret")
    unsigned = centre.http.post("/v1/pull", content=b"{}")

    answers = {(r.status_code, r.text) for r in (unknown, wrong, unsigned)}
    assert answers == {(401, wrong.text)}
    assert wrong.json() == {"error": "not_authenticated", "detail": REFUSED}


def test_a_revoked_device_id_tells_nothing_without_its_secret(
    centre: Harness, device: FieldDevice
) -> None:
    with centre.services.storage.write() as connection:
        storage_devices.revoke(
            connection, device.device_id, at=centre.clock(), reason="lost laptop"
        )

    probe = device.post("/v1/pull", b"{}", secret="not-the-secret")
    unknown = device.post("/v1/pull", b"{}", device_id="dev-nobody-01")

    assert probe.status_code == 401
    assert probe.text == unknown.text


def test_the_centre_logs_why_it_refused(
    centre: Harness, device: FieldDevice, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sync.server.auth"):
        device.post("/v1/pull", b"{}", device_id="dev-nobody-01")
        device.post("/v1/pull", b"{}", secret="not-the-secret")

    logged = [r.getMessage() for r in caplog.records]
    assert "'dev-nobody-01' is not enrolled here" in logged[0]
    assert "signature does not match" in logged[1] and device.device_id in logged[1]
    assert device.secret not in " ".join(logged)


def test_a_signature_outside_ascii_is_refused_like_any_wrong_one(
    centre: Harness, device: FieldDevice
) -> None:
    headers = signed_headers(
        device.device_id,
        device.secret,
        method="POST",
        path="/v1/pull",
        body=b"{}",
        timestamp=str(centre.clock.now.timestamp()),
        nonce="nonce-latin-1",
    )
    raw = {name: value.encode() for name, value in headers.items()}
    raw[SIGNATURE_HEADER] = "é".encode("latin-1") * 64

    response = centre.http.post("/v1/pull", content=b"{}", headers=raw)

    assert response.status_code == 401
    assert response.json() == {"error": "not_authenticated", "detail": REFUSED}


@pytest.mark.parametrize(
    "timestamp",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1e400", "nan"],
)
def test_a_timestamp_no_calendar_holds_is_refused(
    centre: Harness, device: FieldDevice, timestamp: str
) -> None:
    response = device.post("/v1/pull", b"{}", timestamp=timestamp)

    assert response.status_code == 401
    assert response.json()["error"] == "replay_refused"


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
