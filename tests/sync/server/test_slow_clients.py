"""Clients that send their bodies slowly cannot stall the centre: on a real
uvicorn server over loopback, with raw sockets that declare a body and send two
bytes of it."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from policies.defaults import SOURCE_DIR
from sync.client import enroll
from sync.protocol import PullRequest
from sync.server.app import create_app, services_of
from sync.server.publishing import Publisher
from sync.server.storage import Storage
from tests.sync.server.live import (
    read_reply,
    serving,
    signed_post,
    slow_request,
    wait_until,
)
from tests.sync.server.support import REPAIR, Clock, Recorder, settings_for

pytestmark = pytest.mark.server


def now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def centre(tmp_path: Path, url: str, **settings: Any) -> Iterator[dict[str, Any]]:
    """A served centre with a published policy and one enrolled device."""
    storage = Storage.open(url)
    app = create_app(settings_for(tmp_path, url, **settings), storage=storage)
    services = services_of(app)
    Publisher(storage, services.keys, clock=services.clock).publish_policy_dir(
        SOURCE_DIR, expires_in=timedelta(days=1), actor="test"
    )
    token = services.enrolment.issue(expires_in=timedelta(hours=1), actor="t").token
    try:
        with serving(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            enrolled = enroll(
                http,
                token=token,
                device_name="van",
                technician_id="ann",
                device_id="dev-slow-01",
                clock=now,
            )
            yield {
                "url": base,
                "http": http,
                "device": (enrolled.device_id, enrolled.secret),
            }
    finally:
        storage.close()


def health(http: httpx.Client) -> dict[str, Any]:
    answer: dict[str, Any] = http.get("/v1/health").json()
    return answer


def test_slow_bodies_on_every_slot_do_not_stall_the_devices(
    tmp_path: Path, sqlite_url: str
) -> None:
    with centre(tmp_path, sqlite_url, body_timeout_seconds=120) as served:
        http = served["http"]
        limit = health(http)["max_in_flight"]
        slow = [slow_request(served["url"], "/v1/push") for _ in range(limit)]
        slow += [slow_request(served["url"], "/v1/enroll") for _ in range(8)]
        try:
            wait_until(lambda: health(http)["receiving"] == limit + 8)
            recorder = Recorder("dev-slow-01", "ann", Clock())
            recorder.record("record_repair", REPAIR)
            batch = recorder.batch().model_dump_json().encode()
            pushed = signed_post(http, "/v1/push", batch, served["device"], "n-push-01")
            pull = PullRequest().model_dump_json().encode()
            pulled = signed_post(http, "/v1/pull", pull, served["device"], "n-pull-01")
            during = health(http)
        finally:
            for connection in slow:
                connection.close()
        wait_until(lambda: health(http)["receiving"] == 0)

    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"]
    assert pulled.status_code == 200, pulled.text
    assert during["status"] == "ok"
    assert (during["in_flight"], during["receiving"]) == (0, limit + 8)


@pytest.mark.parametrize("path", ["/v1/push", "/v1/enroll", "/v1/journal"])
def test_a_body_slower_than_the_timeout_gets_408_and_frees_its_place(
    tmp_path: Path, sqlite_url: str, path: str
) -> None:
    with centre(tmp_path, sqlite_url, body_timeout_seconds=0.5) as served:
        connection = slow_request(served["url"], path)
        with contextlib.closing(connection):
            status, body = read_reply(connection)
            connection.settimeout(30)
            closed = _closed_by_server(connection)
        after = health(served["http"])

    assert status == 408
    assert body["error"] == "request_timeout"
    assert "did not arrive within 0.5 s" in body["detail"]
    assert closed
    assert (after["status"], after["in_flight"], after["receiving"]) == ("ok", 0, 0)


def _closed_by_server(connection: socket.socket) -> bool:
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
