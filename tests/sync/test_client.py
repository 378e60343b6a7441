"""``SyncClient`` against ``httpx.MockTransport``: signing and error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from policies import KeySet
from policies.signing import generate_signing_key, sign_key_set
from sync import (
    BatchTooLarge,
    CentreBusy,
    CentreUnreachable,
    SyncAuthFailed,
    SyncConflict,
    SyncError,
    SyncRejected,
    SyncUnavailable,
)
from sync.auth import reply_signature, signature
from sync.client import SyncClient, enroll
from sync.enrolment_binding import (
    binding_key,
    device_secret,
    enrol_request,
    response_binding,
    token_id,
)
from sync.http_failures import retry_after
from sync.protocol import (
    DEVICE_HEADER,
    NONCE_HEADER,
    REPLY_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    EnrollResponse,
    PullRequest,
    PushRequest,
)

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
SECRET = "s3cret-for-tests"
Handler = Callable[[httpx.Request], httpx.Response]


class Nonces:
    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> str:
        self.issued += 1
        return f"nonce-{self.issued:08d}"


def signing(handler: Handler) -> Handler:
    """The handler's successful replies signed as the centre signs them."""

    def signed(request: httpx.Request) -> httpx.Response:
        response = handler(request)
        if response.status_code >= 300:
            return response
        body = response.read()
        response.headers[REPLY_SIGNATURE_HEADER] = reply_signature(
            SECRET,
            nonce=request.headers[NONCE_HEADER],
            status=response.status_code,
            body=body,
        )
        return response

    return signed


def make_client(handler: Handler, base_url: str = "https://centre.test") -> SyncClient:
    transport = httpx.MockTransport(signing(handler))
    http = httpx.Client(transport=transport, base_url=base_url)
    return SyncClient(
        http, device_id="dev-1", secret=SECRET, clock=lambda: NOW, new_nonce=Nonces()
    )


def answer(status: int, body: object, **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return handler


def error(status: int, **headers: str) -> Handler:
    return answer(status, {"error": "nope", "detail": "told you so"}, **headers)


EMPTY_PULL = {"results": [], "results_cursor": 0}


def test_each_request_carries_a_signature_the_centre_can_verify() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMPTY_PULL)

    client = make_client(handler)
    client.pull(PullRequest(results_after=3))
    client.pull(PullRequest(results_after=3))
    first, second = seen
    assert first.url.path == "/v1/pull"
    assert first.headers[DEVICE_HEADER] == "dev-1"
    assert first.headers[TIMESTAMP_HEADER] == str(int(NOW.timestamp()))
    assert first.headers[NONCE_HEADER] != second.headers[NONCE_HEADER]
    assert json.loads(first.content)["results_after"] == 3
    expected = signature(
        SECRET,
        method="POST",
        path="/v1/pull",
        timestamp=first.headers[TIMESTAMP_HEADER],
        nonce=first.headers[NONCE_HEADER],
        body=first.content,
    )
    assert first.headers[SIGNATURE_HEADER] == expected


def test_the_signature_covers_the_path_under_a_base_url_prefix() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []})

    make_client(handler, "https://depot.test/edge").push(PushRequest(actions=[]))
    (request,) = seen
    assert request.url.path == "/edge/v1/push"
    assert request.headers[SIGNATURE_HEADER] == signature(
        SECRET,
        method="POST",
        path="/edge/v1/push",
        timestamp=request.headers[TIMESTAMP_HEADER],
        nonce=request.headers[NONCE_HEADER],
        body=request.content,
    )


def test_the_secret_never_shows_in_the_clients_repr() -> None:
    assert SECRET not in repr(make_client(answer(200, EMPTY_PULL)))


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, SyncAuthFailed, "re-enrol"),
        (403, SyncAuthFailed, "re-enrol"),
        (409, SyncConflict, "supervisor"),
        (413, BatchTooLarge, "fewer actions"),
        (400, SyncRejected, "refused"),
        (422, SyncRejected, "refused"),
        (408, SyncUnavailable, "stopped waiting"),
        (500, SyncUnavailable, "failed"),
        (502, SyncUnavailable, "failed"),
    ],
)
def test_http_failures_become_sync_errors(status, kind, words) -> None:
    with pytest.raises(kind) as caught:
        make_client(error(status)).push(PushRequest(actions=[]))
    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert words in caught.value.message
    assert "told you so" in caught.value.message


@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_carry_the_retry_after_delay(status) -> None:
    with pytest.raises(CentreBusy) as caught:
        make_client(error(status, **{"Retry-After": "7"})).push(PushRequest(actions=[]))
    assert caught.value.retry_after == timedelta(seconds=7)
    assert isinstance(caught.value, SyncUnavailable)


def test_busy_without_retry_after_leaves_the_delay_to_the_caller() -> None:
    with pytest.raises(CentreBusy) as caught:
        make_client(error(429)).pull(PullRequest())
    assert caught.value.retry_after is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("120", now=NOW) == timedelta(minutes=2)
    date = "Mon, 02 Mar 2026 07:31:00 GMT"
    assert retry_after(date, now=NOW) == timedelta(seconds=60)
    assert retry_after("Mon, 02 Mar 2026 07:00:00 GMT", now=NOW) == timedelta(0)
    assert retry_after("soon", now=NOW) is None
    assert retry_after(None, now=NOW) is None


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.ConnectError("connection refused"), CentreUnreachable),
        (httpx.ConnectTimeout("timed out"), CentreUnreachable),
        (httpx.ReadTimeout("timed out"), SyncUnavailable),
        (httpx.RemoteProtocolError("server disconnected"), SyncUnavailable),
    ],
)
def test_network_failures_mean_offline_not_a_crash(failure, kind) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(SyncUnavailable) as caught:
        make_client(handler).push(PushRequest(actions=[]))
    assert type(caught.value) is kind
    assert caught.value.status_code is None
    assert caught.value.__cause__ is failure
    assert "stay on this device" in caught.value.message


def test_a_reply_that_is_not_the_protocol_is_reported_clearly() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html>Sign in to the guest Wi-Fi</html>")

    with pytest.raises(SyncUnavailable) as caught:
        make_client(handler).pull(PullRequest())
    assert "not with a sync reply" in caught.value.message
    assert "text/html" in caught.value.message


def test_an_error_without_a_json_body_still_names_the_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad Gateway")

    with pytest.raises(SyncUnavailable, match="502"):
        make_client(handler).pull(PullRequest())


def test_pull_returns_the_parsed_reply() -> None:
    body = {
        "results": [
            {"key": "key-00001", "seq": 1, "status": "applied", "reason": "ok"}
        ],
        "results_cursor": 9,
        "kill_switch": {"agent": True, "reason": "recall"},
    }
    pulled = make_client(answer(200, body)).pull(PullRequest())
    assert pulled.results_cursor == 9
    assert pulled.results[0].status == "applied"
    assert pulled.kill_switch.agent


def enroll_with(handler: Handler, token: str = "token-123456"):
    http = httpx.Client(
        transport=httpx.MockTransport(handler), base_url="https://centre.test"
    )
    return enroll(
        http,
        token=token,
        device_name="Ann's laptop",
        technician_id="ann",
        device_id="dev-1",
        clock=lambda: NOW,
    )


def test_enrolment_is_unsigned_and_returns_the_credentials() -> None:
    seen: list[httpx.Request] = []
    key = generate_signing_key("centre-test")
    key_set = sign_key_set(
        KeySet(1, (key.public_key,), key.key_id, (), NOW), [key]
    ).encode()
    unbound = EnrollResponse(
        device_id="dev-1", secret_seed="x" * 32, key_set=key_set, binding=""
    )
    bound = unbound.model_copy(
        update={"binding": response_binding(binding_key("token-123456"), unbound)}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=bound.model_dump())

    enrolled = enroll_with(handler)
    assert (enrolled.device_id, enrolled.key_set) == ("dev-1", key_set)
    assert enrolled.secret == device_secret(binding_key("token-123456"), "x" * 32)
    (request,) = seen
    assert request.url.path == "/v1/enroll"
    assert SIGNATURE_HEADER not in request.headers
    assert b"token-123456" not in request.content
    expected = enrol_request(
        "token-123456",
        device_name="Ann's laptop",
        technician_id="ann",
        device_id="dev-1",
    )
    assert expected.token_id == token_id("token-123456")
    assert json.loads(request.content) == expected.model_dump()


def test_a_refused_token_says_to_ask_for_a_new_one() -> None:
    with pytest.raises(SyncAuthFailed, match="new one"):
        enroll_with(error(401))


def test_a_refused_token_shows_the_centre_s_own_reason() -> None:
    reason = "This enrolment token was issued for another technician."
    with pytest.raises(SyncAuthFailed) as refused:
        enroll_with(answer(403, {"error": "enrolment_refused", "detail": reason}))
    assert reason in refused.value.message and "'ann'" in refused.value.message
    assert refused.value.detail == reason


def test_a_malformed_token_is_refused_before_sending() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    with pytest.raises(SyncRejected, match="token"):
        enroll_with(handler, token="short")


def test_every_failure_is_a_sync_error() -> None:
    for cls in (CentreBusy, CentreUnreachable, SyncAuthFailed, BatchTooLarge):
        assert issubclass(cls, SyncError)
