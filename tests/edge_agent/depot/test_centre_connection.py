"""Which centre addresses the device accepts: plain http only to this
computer unless ``allow_insecure_http`` is set, checked before any
connection, at enrolment and at every sync."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from edge_agent.__main__ import main
from edge_agent.clock import utc_now
from edge_agent.config import load_settings
from edge_agent.depot.centre_connection import centre_address, is_loopback
from edge_agent.depot.enrolment import (
    Credentials,
    enroll_at,
    read_credentials,
    write_credentials,
)
from edge_agent.depot.sync_run import run_sync
from edge_agent.device import device_id
from edge_agent.errors import ConfigError, EdgeAgentError
from sync import CentreUnreachable

TEST_NET = "http://192.0.2.1:9"
GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'


class Wire:
    """A transport that records each request and answers as if offline."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        raise httpx.ConnectError("no route to the centre", request=request)


def never_called(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"a connection was attempted: {request.url}")


@pytest.fixture
def queued_home(capsys, isolated_home: Path) -> Path:
    """A home with the demo data and one order queued."""
    assert main(["demo", "--no-start"]) == 0
    assert main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
    capsys.readouterr()
    return isolated_home


def enrolled_at(home: Path, url: str) -> None:
    """Credentials as a device enrolled before the address rules kept them."""
    write_credentials(
        home,
        Credentials(
            device_id=device_id(home),
            secret=SecretStr("s" * 32),
            server_url=url,
            technician_id="technician",
            enrolled_at="2026-03-02T07:00:00+00:00",
        ),
    )


def sync(home: Path, transport, **settings: object):
    return run_sync(
        load_settings(home=home, **settings),
        progress=lambda _step: None,
        sleep=lambda _seconds: None,
        transport=httpx.MockTransport(transport),
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.20.3.4", True),
        ("::1", True),
        ("[::1]", True),
        ("192.0.2.1", False),
        ("10.0.0.5", False),
        ("centre.example", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_is_this_computer_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_stored_http_address_to_another_computer_is_refused_unsent(
    queued_home: Path,
) -> None:
    enrolled_at(queued_home, TEST_NET)

    with pytest.raises(EdgeAgentError) as refused:
        sync(queued_home, never_called)

    assert "Refusing plain http:// to 192.0.2.1" in refused.value.message
    assert "allow_insecure_http = true" in refused.value.message
    assert "https://" in refused.value.message


def test_the_cli_sync_says_why_and_keeps_the_queue(queued_home: Path, capsys) -> None:
    enrolled_at(queued_home, TEST_NET)

    code = main(["sync"])
    _, err = capsys.readouterr()

    assert code == 1
    assert "error: Refusing plain http:// to 192.0.2.1" in err
    assert main(["actions", "list", "--json"]) == 0
    (action,) = json.loads(capsys.readouterr().out)
    assert action["state"] == "queued"


def test_allow_insecure_http_lets_the_sync_through_to_the_transport(
    queued_home: Path,
) -> None:
    enrolled_at(queued_home, TEST_NET)
    wire = Wire()

    summary = sync(queued_home, wire, allow_insecure_http=True)

    assert summary["reached"] is False
    assert wire.requests and wire.requests[0].startswith(TEST_NET)


def test_the_setting_is_read_from_the_environment(
    queued_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrolled_at(queued_home, TEST_NET)
    monkeypatch.setenv("EDGE_AGENT_ALLOW_INSECURE_HTTP", "1")
    wire = Wire()

    sync(queued_home, wire)

    assert wire.requests


def test_loopback_http_needs_no_setting(queued_home: Path) -> None:
    enrolled_at(queued_home, "http://127.0.0.1:9")
    wire = Wire()

    sync(queued_home, wire)

    assert wire.requests[0].startswith("http://127.0.0.1:9/")


def enrol(home: Path, server: str, transport, pin: str | None = None, **settings):
    return enroll_at(
        load_settings(home=home, **settings),
        server,
        token="t" * 24,
        device_name="laptop",
        pin=pin,
        clock=utc_now,
        transport=httpx.MockTransport(transport),
    )


def test_enrolment_over_http_to_another_computer_is_refused_unsent(
    isolated_home: Path,
) -> None:
    with pytest.raises(EdgeAgentError, match="Refusing plain http://"):
        enrol(isolated_home, TEST_NET, never_called)
    assert read_credentials(isolated_home) is None


def test_allow_insecure_http_lets_the_enrolment_through(isolated_home: Path) -> None:
    wire = Wire()

    with pytest.raises(CentreUnreachable, match="Cannot reach the centre"):
        enrol(isolated_home, TEST_NET, wire, allow_insecure_http=True)

    assert wire.requests == [f"{TEST_NET}/v1/enroll"]


def test_a_pin_needs_an_https_address(isolated_home: Path) -> None:
    with pytest.raises(ConfigError, match="--pin needs the centre's https://"):
        enrol(isolated_home, "http://127.0.0.1:9", never_called, pin="a" * 64)


def test_a_pin_for_a_sync_needs_an_https_address(queued_home: Path) -> None:
    enrolled_at(queued_home, "http://127.0.0.1:9")

    with pytest.raises(ConfigError, match="--pin needs the centre's https://"):
        run_sync(
            load_settings(home=queued_home),
            pin="a" * 64,
            progress=lambda _step: None,
            sleep=lambda _seconds: None,
            transport=httpx.MockTransport(never_called),
        )


def test_https_brings_tls_settings_and_the_pin() -> None:
    pinned = centre_address(
        "https://centre.example", pin="A" * 64, allow_insecure_http=False
    )
    plain = centre_address("http://localhost:8470", pin=None, allow_insecure_http=False)

    assert pinned.tls is not None and pinned.tls.pin == "a" * 64
    assert plain.tls is None
