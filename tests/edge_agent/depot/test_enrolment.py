"""Enrolment keeps one device id for the outbox and the centre."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from edge_agent.config import load_settings
from edge_agent.depot.enrolment import (
    enroll_device,
    read_credentials,
    write_credentials,
)
from edge_agent.device import device_id, outbox_record, outbox_resets
from edge_agent.device_outbox import device_outbox, reset_outbox
from edge_agent.errors import ConfigError, IdentityMismatch, OutboxLost
from policies import KeySet
from policies.signing import generate_signing_key, sign_key_set
from sync import Outbox
from sync.enrolment_binding import (
    binding_key,
    device_secret,
    response_binding,
    token_id,
)
from sync.protocol import EnrollResponse
from tests.sync.outbox_support import sample_parts, sample_trace

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TOKEN = "token-1234"
SEED = "k" * 40


def centre_key_set() -> str:
    """A centre's first key set, signed by its own active key."""
    key = generate_signing_key("centre-test")
    key_set = KeySet(1, (key.public_key,), key.key_id, (), NOW)
    return sign_key_set(key_set, [key]).encode()


KEY_SET = centre_key_set()


def centre(
    assign: str | None = None,
) -> tuple[httpx.Client, list[dict[str, str]]]:
    """A centre that keeps the id the device brings, or assigns ``assign``."""
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        assert body["token_id"] == token_id(TOKEN)
        given = assign or body["device_id"]
        reply = EnrollResponse(
            device_id=given, secret_seed=SEED, key_set=KEY_SET, binding=""
        )
        binding = response_binding(binding_key(TOKEN), reply)
        return httpx.Response(200, json={**reply.model_dump(), "binding": binding})

    transport = httpx.MockTransport(handler)
    return httpx.Client(transport=transport, base_url="https://centre.test"), seen


def enrol(home: Path, http: httpx.Client):
    settings = load_settings(home=home)
    return enroll_device(
        settings, http, token=TOKEN, device_name="laptop", clock=lambda: NOW
    )


def test_enrolment_brings_the_local_id_and_stores_the_credentials(
    isolated_home,
) -> None:
    local = device_id(isolated_home)
    http, seen = centre()
    credentials = enrol(isolated_home, http)
    assert seen[0]["device_id"] == local
    assert credentials.device_id == local
    stored = read_credentials(isolated_home)
    secret = device_secret(binding_key(TOKEN), SEED)
    assert stored is not None and stored.secret.get_secret_value() == secret
    assert stored.server_url == "https://centre.test"
    assert device_id(isolated_home) == local
    assert (isolated_home / "centre-keys.json").read_text() == KEY_SET


def test_a_new_id_from_the_centre_is_adopted_while_nothing_is_queued(
    isolated_home,
) -> None:
    local = device_id(isolated_home)
    with Outbox.open(isolated_home / "outbox.db", device_id=local):
        pass
    http, _ = centre(assign="dev-centre-9")
    enrol(isolated_home, http)
    assert device_id(isolated_home) == "dev-centre-9"
    assert (isolated_home / f"outbox.db.{local}").exists()
    with Outbox.open(isolated_home / "outbox.db", device_id="dev-centre-9") as fresh:
        assert fresh.device_id == "dev-centre-9"


def test_a_new_id_is_refused_when_actions_are_queued_under_the_old_one(
    isolated_home,
) -> None:
    local = device_id(isolated_home)
    with Outbox.open(isolated_home / "outbox.db", device_id=local) as outbox:
        outbox.enqueue(**sample_parts(), trace=sample_trace())
    http, _ = centre(assign="dev-centre-9")
    with pytest.raises(IdentityMismatch, match=local):
        enrol(isolated_home, http)
    assert device_id(isolated_home) == local
    stored = read_credentials(isolated_home)
    assert stored is not None and stored.device_id == "dev-centre-9"


def test_a_new_id_drops_the_record_of_the_outbox_moved_aside(isolated_home) -> None:
    settings = load_settings(home=isolated_home)
    local = device_id(isolated_home)
    with device_outbox(settings) as outbox:
        outbox.save_trace(sample_trace())
    isolated_home.joinpath("outbox.db").unlink()
    reset_outbox(settings, clock=lambda: NOW)  # a knowing reset, on record
    http, _ = centre(assign="dev-centre-9")

    enrol(isolated_home, http)

    assert (isolated_home / f"outbox.db.{local}").exists()
    assert outbox_record(isolated_home) is None
    assert len(outbox_resets(isolated_home)) == 1
    with device_outbox(settings) as fresh:  # a new outbox, without a word
        assert fresh.device_id == "dev-centre-9"


def test_enrolment_with_the_outbox_lost_asks_the_centre_nothing(
    isolated_home,
) -> None:
    settings = load_settings(home=isolated_home)
    with device_outbox(settings) as outbox:
        outbox.enqueue(**sample_parts(), trace=sample_trace())
    isolated_home.joinpath("outbox.db").unlink()
    http, seen = centre(assign="dev-centre-9")

    with pytest.raises(OutboxLost, match="is missing"):
        enrol(isolated_home, http)

    assert seen == [] and read_credentials(isolated_home) is None


def test_the_pinned_certificate_is_kept_with_the_credentials(isolated_home) -> None:
    enrol(isolated_home, centre()[0])
    stored = read_credentials(isolated_home)
    assert stored is not None and stored.centre_certificate is None
    write_credentials(isolated_home, replace(stored, centre_certificate="ab" * 32))

    again = read_credentials(isolated_home)

    assert again is not None and again.centre_certificate == "ab" * 32


def test_a_damaged_pin_makes_the_credentials_unreadable(isolated_home) -> None:
    enrol(isolated_home, centre()[0])
    path = isolated_home / "credentials.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "centre_certificate_sha256": "not-a-pin"}))

    with pytest.raises(ConfigError, match="enrol the device again"):
        read_credentials(isolated_home)
