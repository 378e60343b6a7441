"""The centre signs every reply for the request it answers; a device takes no
reply that is not so signed, so nobody between them can mark actions applied,
replace the job book or throw a kill switch."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sync import ActionState, ReplyNotAuthentic, SyncClient, drain
from sync.auth import signed_headers
from sync.protocol import REPLY_SIGNATURE_HEADER, PullRequest
from tests.sync.server.support import FieldDevice, Harness, harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as running:
        running.publish_default_policy()
        yield running


def through(
    centre: Harness,
    device: FieldDevice,
    change: Callable[[str, httpx.Response], httpx.Response],
) -> SyncClient:
    """A client whose traffic passes someone who may change the replies."""

    def relay(request: httpx.Request) -> httpx.Response:
        real = centre.http.post(
            request.url.path, content=request.content, headers=request.headers
        )
        reply = httpx.Response(
            real.status_code, content=real.content, headers=real.headers
        )
        return change(request.url.path, reply)

    http = httpx.Client(base_url="http://centre", transport=httpx.MockTransport(relay))
    return SyncClient(
        http,
        device_id=device.device_id,
        secret=device.secret,
        clock=centre.clock,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def forged(path: str, reply: httpx.Response) -> httpx.Response:
    """Every action 'applied', the job book replaced, a kill switch thrown."""
    body = json.loads(reply.content)
    if path.endswith("/push"):
        body["results"] = [
            {**r, "status": "applied", "reason": "forged"} for r in body["results"]
        ]
    if path.endswith("/pull"):
        body |= {"jobs": {"jobs": []}, "jobs_version": 999}
        body["kill_switch"] = {"agent": True, "tools": [], "reason": "forged"}
    content = json.dumps(body).encode()
    return httpx.Response(reply.status_code, content=content, headers=reply.headers)


def test_a_signed_reply_is_taken(centre) -> None:
    device = centre.enrol()
    client = through(centre, device, lambda path, reply: reply)

    pulled = client.pull(PullRequest())

    assert pulled.results_cursor == 0


def test_forged_replies_change_nothing_on_the_device(centre) -> None:
    device = centre.enrol()
    for _ in range(3):
        device.record("order_part", {"part_number": "4471-G10-131", "quantity": 2})
    client = through(centre, device, forged)

    report = drain(
        device.outbox,
        client,
        clock=centre.clock,
        sleep=lambda _: None,
        rng=random.Random(1),
        pull=PullRequest(),
    )

    counts = device.outbox.count_by_state()
    assert counts[ActionState.APPLIED] == 0
    assert report.pull is None and report.stopped
    assert "not signed by the centre" in report.stopped


def test_a_reply_moved_from_another_request_is_refused(centre) -> None:
    device = centre.enrol()
    first = centre.http.post(
        "/v1/pull", content=b"{}", headers=device_headers(device, b"{}")
    )
    assert first.status_code == 200

    def replayed(path: str, reply: httpx.Response) -> httpx.Response:
        return httpx.Response(200, content=first.content, headers=first.headers)

    with pytest.raises(ReplyNotAuthentic):
        through(centre, device, replayed).pull(PullRequest())


def test_a_reply_without_a_signature_is_refused(centre) -> None:
    device = centre.enrol()

    def stripped(path: str, reply: httpx.Response) -> httpx.Response:
        headers = {
            k: v
            for k, v in reply.headers.items()
            if k.lower() != REPLY_SIGNATURE_HEADER.lower()
        }
        return httpx.Response(200, content=reply.content, headers=headers)

    with pytest.raises(ReplyNotAuthentic, match="not taken"):
        through(centre, device, stripped).pull(PullRequest())


def device_headers(device: FieldDevice, body: bytes) -> dict[str, str]:
    return signed_headers(
        device.device_id,
        device.secret,
        method="POST",
        path="/v1/pull",
        body=body,
        timestamp=str(device.harness.clock.now.timestamp()),
        nonce=uuid.uuid4().hex,
    )
