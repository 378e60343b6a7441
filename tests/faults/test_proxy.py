"""The fault proxy hurts exactly the requests its plan names, in the way named,
and a device's client refuses what it forges."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from sync.errors import ReplyNotAuthentic, SyncUnavailable
from sync.protocol import PushRequest, PushResponse
from tests.faults.proxy import (
    FORGED_REASON,
    FaultProxy,
    Plan,
    forged_reply,
    running_proxy,
)

Proxied = tuple[httpx.Client, FaultProxy]
REPLY = json.dumps({"results": [], "note": "x" * 400}).encode()


class Upstream(BaseHTTPRequestHandler):
    """Answers every POST with :data:`REPLY` and counts what reached it."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        Upstream.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(REPLY)))
        self.end_headers()
        self.wfile.write(REPLY)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def proxied() -> Iterator[tuple[httpx.Client, FaultProxy]]:
    """A client to a real loopback upstream through the proxy: the proxy's
    faults are only real if real sockets carry them."""
    Upstream.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with (
            running_proxy(server.server_address[1]) as proxy,
            httpx.Client(base_url=f"http://127.0.0.1:{proxy.port}", timeout=10) as http,
        ):
            yield http, proxy
    finally:
        server.shutdown()
        server.server_close()


def test_a_healed_proxy_forwards_requests_and_replies_unchanged(
    proxied: Proxied,
) -> None:
    http, proxy = proxied

    replies = [http.post("/v1/push", content=b"{}") for _ in range(3)]

    assert [r.content for r in replies] == [REPLY] * 3
    assert Upstream.seen == ["/v1/push"] * 3
    assert proxy.requests["/v1/push"] == 3
    assert not proxy.injected


def test_a_dropped_request_never_reaches_the_centre(proxied: Proxied) -> None:
    http, proxy = proxied
    proxy.set(Plan("drop", frozenset({"/v1/push"}), budget=1))

    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/v1/push", content=b"{}")

    assert Upstream.seen == []
    assert http.post("/v1/push", content=b"{}").content == REPLY  # budget spent
    assert proxy.injected == {"drop /v1/push": 1}


@pytest.mark.parametrize("kind", ["lose_reply", "truncate", "reset"])
def test_a_reply_lost_or_cut_after_the_centre_answered_fails_the_client(
    proxied: Proxied, kind: str
) -> None:
    http, proxy = proxied
    proxy.set(Plan(kind, frozenset({"/v1/push"}), budget=1))

    with pytest.raises(httpx.TransportError):
        http.post("/v1/push", content=b"{}")

    assert Upstream.seen == ["/v1/push"]  # the centre had it: only the reply is gone


def test_a_corrupted_reply_keeps_its_length_but_not_its_bytes(proxied: Proxied) -> None:
    http, proxy = proxied
    proxy.set(Plan("corrupt", budget=1))

    reply = http.post("/v1/pull", content=b"{}")

    assert len(reply.content) == len(REPLY) and reply.content != REPLY


def test_only_the_named_paths_are_hurt(proxied: Proxied) -> None:
    http, proxy = proxied
    proxy.set(Plan("drop", frozenset({"/v1/push"})))

    assert http.post("/v1/pull", content=b"{}").content == REPLY
    assert proxy.injected == {}


def test_a_forged_push_reply_marks_every_action_applied() -> None:
    body = {"actions": [{"key": "k1", "seq": 1}, {"key": "k2", "seq": 2}]}

    raw = forged_reply("/v1/push", json.dumps(body).encode())

    reply = PushResponse.model_validate_json(raw.split(b"\r\n\r\n", 1)[1])
    assert [(r.key, r.status) for r in reply.results] == [
        ("k1", "applied"),
        ("k2", "applied"),
    ]
    assert reply.results[0].reason == FORGED_REASON


def test_the_device_client_refuses_a_forged_reply_and_the_centre_never_hears(
    proxied: Proxied,
) -> None:
    from sync.client import SyncClient

    http, proxy = proxied
    proxy.set(Plan("forge", frozenset({"/v1/push"})))
    client = SyncClient(
        http,
        device_id="dev-1",
        secret="s" * 32,
        clock=lambda: datetime.now(UTC),
        new_nonce=lambda: "n" * 32,
    )

    with pytest.raises(ReplyNotAuthentic) as raised:
        client.push(PushRequest(actions=[], traces=[]))

    assert isinstance(raised.value, SyncUnavailable)  # sent again later, safely
    assert Upstream.seen == []
