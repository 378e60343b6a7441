"""Enrolment bound to its token: the token never crosses the wire, a request
changed on the way is refused, and a reply changed on the way is not taken."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from policies import KeySet
from policies.signing import generate_signing_key, sign_key_set
from sync.client import Enrolled, enroll
from sync.enrolment_binding import (
    binding_key,
    device_secret,
    enrol_request,
    response_binding,
)
from sync.errors import SyncAuthFailed
from sync.protocol import EnrollResponse
from tests.sync.server.support import FieldDevice, harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as running:
        yield running


def test_the_token_never_crosses_the_wire_and_both_sides_derive_the_secret(
    centre,
) -> None:
    token = centre.token()
    body = enrol_request(
        token, device_name="laptop", technician_id="ann", device_id="dev-a-0001"
    ).model_dump_json()

    reply = centre.http.post("/v1/enroll", content=body)

    assert token not in body
    assert reply.status_code == 200, reply.text
    assert token not in reply.text
    seed = reply.json()["secret_seed"]
    secret = device_secret(binding_key(token), seed)
    assert secret != seed
    # The centre checks signatures with the secret the device derived.
    device = FieldDevice(centre, "dev-a-0001", secret, "ann")
    assert device.pull().status_code == 200
    assert FieldDevice(centre, "dev-a-0001", seed, "ann").pull().status_code == 401
    assert reply.json()["key_set"] == centre.services.keys.current().encode()


def test_a_request_changed_on_the_way_is_refused_and_the_token_stays_usable(
    centre,
) -> None:
    token = centre.token(technician=None)
    sent = json.loads(
        enrol_request(
            token, device_name="laptop", technician_id="ann", device_id="dev-a-0001"
        ).model_dump_json()
    )
    changed = {**sent, "technician_id": "mallory"}

    refused = centre.http.post("/v1/enroll", json=changed)
    accepted = centre.http.post("/v1/enroll", json=sent)

    assert refused.status_code == 403
    assert "not known" in refused.json()["detail"]
    assert accepted.status_code == 200


def test_the_device_enrols_over_http_and_can_sign_requests(centre) -> None:
    token = centre.token()
    enrolled = enroll(
        centre.http,  # type: ignore[arg-type]
        token=token,
        device_name="laptop",
        technician_id="ann",
        device_id="dev-a-0002",
        clock=centre.clock,
    )

    device = FieldDevice(centre, enrolled.device_id, enrolled.secret, "ann")
    assert device.pull().status_code == 200


def enrol_through(handler) -> Enrolled:
    http = httpx.Client(
        base_url="http://centre.test", transport=httpx.MockTransport(handler)
    )
    return enroll(
        http,
        token="token-123456",
        device_name="laptop",
        technician_id="ann",
        device_id="dev-1",
        clock=lambda: datetime(2026, 12, 1, tzinfo=UTC),
    )


def honest_reply(token: str, key_set: str) -> dict[str, str]:
    unbound = EnrollResponse(
        device_id="dev-1", secret_seed="seed", key_set=key_set, binding=""
    )
    return unbound.model_copy(
        update={"binding": response_binding(binding_key(token), unbound)}
    ).model_dump()


def key_set_of(name: str) -> str:
    key = generate_signing_key(name)
    key_set = KeySet(
        1, (key.public_key,), key.key_id, (), datetime(2026, 12, 1, tzinfo=UTC)
    )
    return sign_key_set(key_set, [key]).encode()


def test_a_bound_reply_is_taken() -> None:
    reply = honest_reply("token-123456", key_set_of("centre-a"))

    enrolled = enrol_through(lambda request: httpx.Response(200, json=reply))

    assert enrolled.key_set == reply["key_set"]
    assert enrolled.secret == device_secret(binding_key("token-123456"), "seed")


@pytest.mark.parametrize("field", ["key_set", "secret_seed", "device_id"])
def test_a_reply_changed_on_the_way_is_not_taken(field: str) -> None:
    reply = honest_reply("token-123456", key_set_of("centre-a"))
    substitute = {
        "key_set": key_set_of("intruder"),
        "secret_seed": "known-to-the-intruder",
        "device_id": "dev-2",
    }
    reply[field] = substitute[field]

    with pytest.raises(SyncAuthFailed, match="not bound to this token"):
        enrol_through(lambda request: httpx.Response(200, json=reply))


def test_a_reply_bound_by_someone_without_the_token_is_not_taken() -> None:
    forged = honest_reply("another-token", key_set_of("intruder"))

    with pytest.raises(SyncAuthFailed, match="not bound to this token"):
        enrol_through(lambda request: httpx.Response(200, json=forged))
