"""Whatever a body holds, the centre answers with a status below 500 and, when it
refuses, with ``{"error", "detail"}``: malformed and extreme bodies posted to
every device endpoint (enrolment unsigned; push, pull and journal signed), on
SQLite and on PostgreSQL.

The bodies are raw bytes, deep nesting, arbitrary JSON, and valid requests with
one value swapped for an extreme one (numbers at and past the columns' and 64
bits' limits, NaN and Infinity, long text, NUL, lone surrogates, times outside
the calendar).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.auth import signed_headers
from sync.enrolment_binding import enrol_request
from sync.protocol import (
    DEVICE_HEADER,
    MAX_BIG_INT,
    MAX_INT,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from tests.sync.server.support import REPAIR, FieldDevice, Harness, harness

RAW = "\x00raw\x00"
"""Marks a string to be written into the JSON text as is (``1e400``)."""

EXTREME_NUMBERS = [
    0,
    -1,
    MAX_INT,
    MAX_INT + 1,
    MAX_BIG_INT,
    MAX_BIG_INT + 1,
    -MAX_BIG_INT - 2,
    2**64,
    10**400,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    f"{RAW}1e400",
    f"{RAW}-1e999",
]
EXTREME_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "é" * 200,
    "k" * 65,
    "t" * 129,
    "n" * 5000,
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-03-02T08:00:00",
    "NaN",
]

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(EXTREME_NUMBERS + EXTREME_TEXT)
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def encoded(value: Any) -> bytes:
    """JSON text, with NaN/Infinity as Python writes them and raw numbers."""
    text = json.dumps(value)
    marker = json.dumps(RAW)[1:-1]
    text = text.replace(f'"{marker}', "").replace(f'{marker}"', "")
    while marker in text:  # a raw mark inside a longer string: keep it text
        text = text.replace(marker, "")
    return text.encode("utf-8", "surrogatepass")


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``value`` a value can be swapped in."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += leaf_paths(item, (*path, index))
    return found


def swapped(template: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(template))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def bodies(template: Any) -> st.SearchStrategy[bytes]:
    """Bytes to post: raw, deeply nested, any JSON, or the template changed."""
    paths = leaf_paths(template)
    changed = st.builds(
        lambda path, value: encoded(swapped(template, path, value)),
        st.sampled_from(paths),
        json_values,
    )
    nested = st.integers(1, 20_000).map(lambda n: b"[" * n + b"]" * n)
    nested_objects = st.integers(1, 6_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n)
    return st.one_of(
        changed,
        changed,
        changed,
        json_values.map(encoded),
        st.binary(max_size=200),
        nested,
        nested_objects,
    )


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "detail"}
        assert all(isinstance(part, str) and part for part in body.values())


@pytest.fixture
def centre(tmp_path: Path, database_url: str):
    with harness(tmp_path, database_url) as running:
        running.publish_default_policy()
        yield running


def push_template(device: FieldDevice) -> Any:
    device.record("record_repair", REPAIR)
    device.record("order_part", {"part_number": "4471-A20-339", "quantity": 20})
    return json.loads(device.batch().model_dump_json())


def journal_template(device: FieldDevice) -> Any:
    trace = push_template(device)["traces"][0]
    return {
        "entries": [
            {
                "place": 1,
                "trace": trace,
                "saved_at": "2026-03-02T08:00:00.000000Z",
                "decisions": [
                    {
                        "key": "k" * 32,
                        "seq": 3,
                        "tool": "order_part",
                        "state": "denied",
                        "payload": {"tool": "order_part", "args": {"quantity": 90}},
                        "decision": {"outcome": "deny", "reasons": ["too many"]},
                        "created_at": "2026-03-02T08:00:00.000000Z",
                    }
                ],
            }
        ]
    }


PULL = {
    "results_after": 0,
    "policy_version": 0,
    "kb_version": 0,
    "jobs_version": 0,
    "key_set_version": 1,
    "refused": ["bad bundle"],
    "model": "model.gguf",
    "queue_depth": 2,
}

Poster = Callable[[bytes], httpx.Response]


def endpoint(centre: Harness, name: str) -> tuple[Any, Poster]:
    """A valid body for the endpoint, and how to post bytes to it."""
    if name == "enroll":
        template = enrol_request(
            centre.token(), device_name="van", technician_id="ann", device_id="dev-f1"
        ).model_dump()
        return template, lambda body: centre.http.post("/v1/enroll", content=body)
    device = centre.enrol()
    templates = {
        "push": push_template,
        "journal": journal_template,
        "pull": lambda _: PULL,
    }
    path = f"/v1/{name}"
    return templates[name](device), lambda body: device.post(path, body)


FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", ["enroll", "push", "pull", "journal"])
def test_no_body_makes_the_centre_fail(
    centre: Harness, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    template, post = endpoint(centre, name)

    @FUZZ
    @given(body=bodies(template))
    def post_anything(body: bytes) -> None:
        assert_answered(post(body))

    with caplog.at_level(logging.WARNING, logger="sync.server.storage"):
        post_anything()
    assert post(encoded(template)).status_code < 500
    assert centre.http.get("/v1/health").json()["status"] == "ok"
    # The API's own checks refused it all: the database never had to.
    assert not [r for r in caplog.records if r.name == "sync.server.storage"]


header_text = st.text(
    st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=140
)


@pytest.mark.parametrize("header", [DEVICE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER])
def test_no_signed_header_makes_the_centre_fail(centre: Harness, header: str) -> None:
    device = centre.enrol()
    nonces = itertools.count()

    @FUZZ
    @given(value=header_text, signature=header_text)
    def post_with(value: str, signature: str) -> None:
        headers = signed_headers(
            device.device_id,
            device.secret,
            method="POST",
            path="/v1/pull",
            body=b"{}",
            timestamp=str(centre.clock.now.timestamp()),
            nonce=f"nonce-fuzz-{next(nonces):06d}",
        )
        raw = {name: text.encode() for name, text in headers.items()}
        raw[header] = value.encode("latin-1")
        raw[SIGNATURE_HEADER] = signature.encode("latin-1")

        response = centre.http.post("/v1/pull", content=b"{}", headers=raw)

        assert response.status_code == 401
        assert_answered(response)

    post_with()
