"""The load generator signs as the device does, waits out a 429 and sends
again (counted, not an error), and counts every other failure as an error."""

from __future__ import annotations

import json

import httpx

from sync.auth import reply_signature, signature
from sync.protocol import (
    NONCE_HEADER,
    REPLY_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from tests.faults.load import Device, Tally, growth, percentiles, signed_post

DEVICE = Device("load-001", secret="s" * 32)
BODY = json.dumps({"results": []}).encode()


def centre(statuses: list[int], *, sign: bool = True) -> httpx.MockTransport:
    """Answers with ``statuses`` in turn, each reply signed for its request's
    nonce (unless ``sign`` is false), after checking the request's signature."""
    answers = iter(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = request.headers
        expected = signature(
            DEVICE.secret,
            method="POST",
            path=request.url.path,
            timestamp=headers[TIMESTAMP_HEADER],
            nonce=headers[NONCE_HEADER],
            body=request.content,
        )
        assert headers[SIGNATURE_HEADER] == expected
        status = next(answers)
        reply = {"Retry-After": "0"} if status == 429 else {}
        if sign:
            reply[REPLY_SIGNATURE_HEADER] = reply_signature(
                DEVICE.secret, nonce=headers[NONCE_HEADER], status=status, body=BODY
            )
        return httpx.Response(status, content=BODY, headers=reply)

    return httpx.MockTransport(handle)


async def post(transport: httpx.MockTransport) -> tuple[bytes | None, Tally]:
    tally = Tally()
    async with httpx.AsyncClient(base_url="http://centre", transport=transport) as c:
        reply = await signed_post(c, DEVICE, "/v1/push", b"{}", tally)
    return reply, tally


async def test_a_429_is_waited_out_and_sent_again_not_an_error() -> None:
    reply, tally = await post(centre([429, 429, 200]))

    assert reply == BODY
    assert tally.retried_429 == 2
    assert not tally.errors
    assert len(tally.push_ms) == 1


async def test_a_server_error_is_an_error() -> None:
    reply, tally = await post(centre([500]))

    assert reply is None
    assert tally.errors == {"/v1/push: 500": 1}
    assert tally.push_ms == []


async def test_an_unsigned_reply_is_an_error_not_a_result() -> None:
    reply, tally = await post(centre([200], sign=False))

    assert reply is None
    assert tally.errors == {"/v1/push: reply not authentic": 1}


def test_percentiles_and_growth_read_the_fleets() -> None:
    figures = percentiles([float(n) for n in range(101)])
    assert figures == {"p50": 50.0, "p95": 95.0, "p99": 99.0}

    def fleet(devices: int, rate: float, p95: float) -> dict[str, object]:
        latency = {"p50": 1.0, "p95": p95, "p99": p95}
        return {
            "devices": devices,
            "actions_per_s": rate,
            "push_ms": latency,
            "pull_ms": latency,
            "sync_s": latency,
        }

    grown = growth({50: fleet(50, 100.0, 10.0), 200: fleet(200, 150.0, 40.0)})

    assert grown["actions_per_s"] == 1.5
    assert grown["push_p95_ms"] == 4.0


async def test_a_lost_connection_is_sent_again_and_counted_apart() -> None:
    tries = iter([httpx.ReadError("closed"), None])
    signed = centre([200])

    def handle(request: httpx.Request) -> httpx.Response:
        failure = next(tries)
        if failure is not None:
            raise failure
        return signed.handle_request(request)

    reply, tally = await post(httpx.MockTransport(handle))

    assert reply == BODY
    assert tally.transport_retried == {"/v1/push: ReadError": 1}
    assert not tally.errors
