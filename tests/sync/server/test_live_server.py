"""End to end over a real socket: uvicorn on loopback, httpx as the device."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sync.client import enroll
from sync.protocol import PullRequest
from sync.server.app import create_app, services_of
from sync.server.connectors import RecordingConnector
from sync.server.storage import Storage
from tests.sync.server.live import serving, signed_post
from tests.sync.server.support import BIG_ORDER, REPAIR, Clock, Recorder, settings_for

pytestmark = pytest.mark.server


def now() -> datetime:
    return datetime.now(UTC)


def test_a_device_enrols_pushes_and_pulls_over_http(
    tmp_path: Path, sqlite_url: str
) -> None:
    from datetime import timedelta

    from policies.defaults import SOURCE_DIR
    from sync.server.publishing import Publisher

    storage = Storage.open(sqlite_url)
    connector = RecordingConnector()
    app = create_app(
        settings_for(tmp_path, sqlite_url), storage=storage, connector=connector
    )
    services = services_of(app)
    Publisher(storage, services.keys, clock=services.clock).publish_policy_dir(
        SOURCE_DIR, expires_in=timedelta(days=1), actor="t"
    )
    token = services.enrolment.issue(expires_in=timedelta(hours=1), actor="t").token
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        enrolled = enroll(
            http,
            token=token,
            device_name="van",
            technician_id="ann",
            device_id="dev-live-1",
            clock=now,
        )
        device = (enrolled.device_id, enrolled.secret)
        recorder = Recorder("dev-live-1", "ann", Clock())
        recorder.record("record_repair", REPAIR)
        recorder.record("order_part", BIG_ORDER)
        body = recorder.batch().model_dump_json().encode()

        pushed = signed_post(http, "/v1/push", body, device, "nonce-live-0001")
        replay = signed_post(http, "/v1/push", body, device, "nonce-live-0001")
        pulled = signed_post(
            http,
            "/v1/pull",
            PullRequest().model_dump_json().encode(),
            device,
            "nonce-live-0002",
        )
        health = http.get("/v1/health")

    storage.close()
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "quarantined"]
    assert replay.status_code == 401
    assert pulled.json()["results_cursor"] == 2
    assert enrolled.key_set == services.keys.current().encode()
    assert health.json()["status"] == "ok"


def test_concurrent_devices_over_http_each_get_their_own_results(
    tmp_path: Path, sqlite_url: str
) -> None:
    from datetime import timedelta

    from policies.defaults import SOURCE_DIR
    from sync.server.publishing import Publisher

    storage = Storage.open(sqlite_url)
    app = create_app(settings_for(tmp_path, sqlite_url), storage=storage)
    services = services_of(app)
    Publisher(storage, services.keys, clock=services.clock).publish_policy_dir(
        SOURCE_DIR, expires_in=timedelta(days=1), actor="t"
    )
    outcomes: dict[str, list[str]] = {}
    with serving(app) as url:

        def one_device(n: int) -> None:
            token = services.enrolment.issue(
                expires_in=timedelta(hours=1), actor="t"
            ).token
            with httpx.Client(base_url=url, timeout=30) as http:
                device_id = f"dev-live-{n:03d}"
                enrolled = enroll(
                    http,
                    token=token,
                    device_name="v",
                    technician_id=f"t{n}",
                    device_id=device_id,
                    clock=now,
                )
                recorder = Recorder(device_id, f"t{n}", Clock())
                for _ in range(5):
                    recorder.record("record_repair", REPAIR)
                body = recorder.batch().model_dump_json().encode()
                response = signed_post(
                    http,
                    "/v1/push",
                    body,
                    (device_id, enrolled.secret),
                    f"nonce-{n:08d}",
                )
                outcomes[device_id] = [r["status"] for r in response.json()["results"]]

        threads = [threading.Thread(target=one_device, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    storage.close()
    assert outcomes == {f"dev-live-{n:03d}": ["applied"] * 5 for n in range(4)}
