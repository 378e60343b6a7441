"""Bounded batches (413), overload (429 with Retry-After), health and metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sync.protocol import PushRequest
from sync.server.app import InFlightLimit
from sync.server.metrics import Metrics
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
    assert metrics["queues"]["quarantined"] == 1
    assert metrics["queues"]["deliveries_pending"] == 1
    assert metrics["quarantine_rate"] == 0.5
    assert metrics["apply_latency_ms_per_action"]["count"] == 1


async def test_requests_over_the_in_flight_limit_get_429_with_retry_after() -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    metrics = Metrics()
    limited = InFlightLimit(slow_app, limit=1, retry_after=7, metrics=metrics)
    sent: list[Any] = []

    async def record(message: Any) -> None:
        sent.append(message)

    async def nothing() -> Any:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": "/v1/push", "method": "POST", "headers": []}
    first = asyncio.create_task(limited(scope, nothing, record))
    await entered.wait()
    await limited(scope, nothing, record)
    release.set()
    await first

    start = sent[0]
    assert start["status"] == 429
    assert (b"retry-after", b"7") in start["headers"]
    assert metrics.refused == 1 and metrics.in_flight == 0


def test_an_empty_push_is_fine(centre: Harness, device: FieldDevice) -> None:
    response = device.push(PushRequest(actions=[]))

    assert response.status_code == 200 and response.json() == {"results": []}
