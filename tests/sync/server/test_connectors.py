"""Connectors and the delivery worker: applied actions are handed on at least
once, failures are retried with backoff, and nothing is lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sync.server.connectors import (
    DELIVERY_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    AppliedAction,
    RecordingConnector,
    WebhookConnector,
)
from sync.server.delivery import DeliveryWorker
from sync.server.errors import DeliveryFailed
from sync.server.storage.schema import deliveries
from tests.sync.server.support import REPAIR, Harness, harness

ACTION = AppliedAction(
    device_id="dev-1",
    technician_id="ann",
    key="k" * 32,
    seq=1,
    tool="record_repair",
    action_type="create",
    payload={"tool": "record_repair", "args": REPAIR},
    evidence={},
    decision=None,
)


def webhook(handler, **options) -> tuple[WebhookConnector, list[float]]:
    waits: list[float] = []
    connector = WebhookConnector(
        httpx.Client(transport=httpx.MockTransport(handler)),
        "https://erp.example/hooks/actions",
        sleep=waits.append,
        **options,
    )
    return connector, waits


def test_the_webhook_posts_the_action_signed_with_its_delivery_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    connector, _ = webhook(handler, secret="s3cret")
    connector.deliver(ACTION)

    (request,) = seen
    body = request.read()
    assert request.headers[DELIVERY_HEADER] == f"dev-1:{'k' * 32}"
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request.headers[WEBHOOK_SIGNATURE_HEADER] == f"sha256={expected}"
    assert json.loads(body)["payload"]["tool"] == "record_repair"


def test_the_webhook_retries_timeouts_and_5xx_with_growing_waits() -> None:
    answers: Iterator[httpx.Response | Exception] = iter(
        [httpx.ConnectTimeout("slow"), httpx.Response(503), httpx.Response(200)]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    connector, waits = webhook(handler, attempts=3, backoff_seconds=0.5)
    connector.deliver(ACTION)

    assert waits == [0.5, 1.0]


def test_a_4xx_is_not_retried_and_says_so() -> None:
    connector, waits = webhook(lambda request: httpx.Response(400), attempts=3)

    with pytest.raises(DeliveryFailed) as failed:
        connector.deliver(ACTION)

    assert failed.value.retryable is False and waits == []


def delivery_row(centre: Harness):
    with centre.services.storage.read() as connection:
        return connection.execute(sa.select(deliveries)).one()


def test_a_failing_connector_keeps_the_action_and_retries_after_backoff(
    centre: Harness,
) -> None:
    device = centre.enrol()
    device.record("record_repair", REPAIR)
    device.push()
    centre.connector.fail_next = 2
    worker = DeliveryWorker(
        centre.services.storage,
        centre.connector,
        clock=centre.clock,
        backoff_seconds=10,
        jitter=lambda: 1.0,
    )

    assert worker.run_once() == 1
    row = delivery_row(centre)
    assert (row.status, row.attempts) == ("pending", 1)
    assert worker.run_once() == 0  # not due before the backoff
    centre.clock.advance(timedelta(seconds=11))
    assert worker.run_once() == 1
    assert delivery_row(centre).attempts == 2
    centre.clock.advance(timedelta(seconds=21))
    assert worker.run_once() == 1

    assert delivery_row(centre).status == "delivered"
    assert [a.seq for a in centre.connector.delivered] == [1]


def test_a_delivery_that_keeps_failing_is_parked_not_lost(centre: Harness) -> None:
    device = centre.enrol()
    device.record("record_repair", REPAIR)
    device.push()
    centre.connector.fail_next = 99
    worker = DeliveryWorker(
        centre.services.storage,
        centre.connector,
        clock=centre.clock,
        max_attempts=2,
        backoff_seconds=1,
        jitter=lambda: 1.0,
    )

    worker.run_once()
    centre.clock.advance(timedelta(seconds=2))
    worker.run_once()

    row = delivery_row(centre)
    assert (row.status, row.attempts) == ("failed", 2)
    assert "told to fail" in row.last_error
    assert centre.http.get("/v1/metrics").json()["queues"]["deliveries_failed"] == 1


class SignallingConnector(RecordingConnector):
    """Records deliveries and sets an event at each, so a test can wait on it."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def deliver(self, action: AppliedAction) -> None:
        super().deliver(action)
        self.arrived.set()


def test_the_background_worker_delivers_after_a_push(
    tmp_path: Path, sqlite_url: str
) -> None:
    connector = SignallingConnector()
    with harness(
        tmp_path, sqlite_url, connector=connector, start_delivery_worker=True
    ) as centre:
        centre.publish_default_policy()
        device = centre.enrol()
        device.record("record_repair", REPAIR)
        device.push()

        assert connector.arrived.wait(10)

    assert [a.seq for a in connector.delivered] == [1]
