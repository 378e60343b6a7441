"""Bounded batches (413), overload (429 with Retry-After), health and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.enrolment_binding import enrol_request
from sync.protocol import PushRequest
from sync.server.storage import SCHEMA_VERSION
from tests.sync.server.support import REPAIR, FieldDevice, Harness, harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url, max_batch_actions=3) as h:
        h.publish_default_policy()
        yield h


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def test_too_many_actions_get_413_and_nothing_is_applied(
    centre: Harness, device: FieldDevice
) -> None:
    for _ in range(4):
        device.record("record_repair", REPAIR)

    response = device.push()

    assert response.status_code == 413
    assert response.json()["error"] == "batch_too_large"
    assert device.pull().json()["results"] == []


def test_a_body_over_the_byte_limit_gets_413(tmp_path: Path, sqlite_url: str) -> None:
    with harness(tmp_path, sqlite_url, max_batch_bytes=2048) as centre:
        device = centre.enrol()
        for _ in range(3):
            device.record("record_repair", {**REPAIR, "notes": "x" * 600})

        response = device.push()

    assert response.status_code == 413


def test_a_body_that_breaks_the_protocol_gets_422(
    centre: Harness, device: FieldDevice
) -> None:
    response = device.post("/v1/push", b'{"actions": [{"key": "short"}]}')

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_health_and_metrics_answer_without_credentials(
    centre: Harness, device: FieldDevice
) -> None:
    device.record("record_repair", REPAIR)
    device.record("record_repair", REPAIR, confirm=False)
    device.push()

    health = centre.http.get("/v1/health").json()
    metrics = centre.http.get("/v1/metrics").json()

    assert health["status"] == "ok"
    assert health["schema_version"] == SCHEMA_VERSION
    assert (health["in_flight"], health["receiving"]) == (0, 0)
    assert metrics["queues"]["quarantined"] == 1
    assert metrics["queues"]["deliveries_pending"] == 1
    assert metrics["quarantine_rate"] == 0.5
    assert metrics["apply_latency_ms_per_action"]["count"] == 1


def test_device_requests_over_the_limit_get_429_and_health_says_degraded(
    tmp_path: Path, sqlite_url: str
) -> None:
    with harness(
        tmp_path, sqlite_url, max_in_flight=2, retry_after_seconds=7
    ) as centre:
        centre.publish_default_policy()
        device = centre.enrol()
        device.record("record_repair", REPAIR)
        pool = centre.services.admission.devices
        with pool.slot(), pool.slot():
            busy = device.push()
            health = centre.http.get("/v1/health")
        freed = centre.http.get("/v1/health").json()
        results = device.pull().json()["results"]
        refused = centre.http.get("/v1/metrics").json()["refused_overloaded"]

    assert busy.status_code == 429
    assert busy.headers["Retry-After"] == "7"
    assert busy.json()["error"] == "overloaded"
    assert results == []  # the refused push applied nothing
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert (health.json()["in_flight"], health.json()["max_in_flight"]) == (2, 2)
    assert (freed["status"], freed["in_flight"]) == ("ok", 0)
    assert refused == 1


def test_unsigned_requests_have_their_own_places(
    tmp_path: Path, sqlite_url: str
) -> None:
    with harness(tmp_path, sqlite_url, max_unsigned_in_flight=1) as centre:
        device = centre.enrol()
        with centre.services.admission.unsigned.slot():
            enrolment = centre.http.post(
                "/v1/enroll",
                json=enrol_request(
                    centre.token(),
                    device_name="van",
                    technician_id="ann",
                    device_id=None,
                ).model_dump(),
            )
            metrics = centre.http.get("/v1/metrics")
            pulled = device.pull()
            health = centre.http.get("/v1/health").json()

    assert (enrolment.status_code, metrics.status_code) == (429, 429)
    assert pulled.status_code == 200
    assert health["status"] == "ok"
    assert (health["unsigned_in_flight"], health["max_unsigned_in_flight"]) == (1, 1)


def test_an_empty_push_is_fine(centre: Harness, device: FieldDevice) -> None:
    response = device.push(PushRequest(actions=[]))

    assert response.status_code == 200 and response.json() == {"results": []}
