"""Bodies no device sends are refused with 4xx and ``{"error", "detail"}``,
never a server error, and nothing of a refused request is kept: on SQLite and
on PostgreSQL, whose columns are strict about lengths, ranges and NUL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sync.protocol import MAX_INT, MAX_JSON_DEPTH
from sync.server.storage.schema import (
    actions,
    chain_links,
    device_decisions,
    devices,
    traces,
)
from tests.sync.server.support import REPAIR, FieldDevice, Harness, harness

Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def centre(tmp_path: Path, database_url: str):
    with harness(tmp_path, database_url) as running:
        running.publish_default_policy()
        yield running


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def kept(centre: Harness, device: FieldDevice) -> dict[str, int]:
    """How many rows the centre keeps for the device, table by table."""
    counts = {}
    with centre.services.storage.read() as connection:
        for table in (actions, chain_links, traces, device_decisions):
            query = sa.select(sa.func.count()).where(
                table.c.device_id == device.device_id
            )
            counts[table.name] = connection.scalar(query)
    return counts


def reported(centre: Harness, device: FieldDevice) -> dict[str, int]:
    with centre.services.storage.read() as connection:
        row = connection.execute(
            sa.select(devices).where(devices.c.device_id == device.device_id)
        ).one()
    names = ("policy_version", "kb_version", "jobs_version", "key_set_version")
    return {name: row._mapping[name] for name in names} | {
        "journal_place": row.journal_place
    }


def assert_refused(response: Any, status: int = 422) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "invalid_request" and body["detail"]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 30_000])
def test_an_enrolment_nested_beyond_the_limit_is_refused(
    centre: Harness, depth: int
) -> None:
    response = centre.http.post("/v1/enroll", content=nested(depth))

    assert_refused(response)
    assert "deeper than" in response.json()["detail"]


def test_a_payload_nested_within_the_limit_is_taken(
    centre: Harness, device: FieldDevice
) -> None:
    notes: Any = "seal"
    for _ in range(MAX_JSON_DEPTH - 6):  # request > actions > action > payload > args
        notes = [notes]
    device.record("record_repair", {**REPAIR, "notes": notes})

    assert device.push().status_code == 200


def action_body(device: FieldDevice) -> dict[str, Any]:
    device.record("record_repair", REPAIR)
    body: dict[str, Any] = json.loads(device.batch().model_dump_json())
    return body


def setter(*path: str | int, value: Any) -> Change:
    def change(body: dict[str, Any]) -> None:
        target: Any = body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


LINK = {"seq": 1, "prev_hash": "0" * 64, "row_hash": "1" * 64, "state": "denied"}

BAD_PUSHES: dict[str, Change] = {
    "seq at 2^63": setter("actions", 0, "seq", value=2**63),
    "seq beyond its column": setter("actions", 0, "seq", value=MAX_INT + 1),
    "link seq at 2^63": setter("links", value=[{**LINK, "seq": 2**63}]),
    "link seq beyond its column": setter("links", value=[{**LINK, "seq": 2**31}]),
    "start_ns at 2^63": setter("traces", 0, "start_ns", value=2**63),
    "end_ns at 2^64": setter("traces", 0, "end_ns", value=2**64),
    "NaN in the payload": setter("actions", 0, "payload", "args", "x", value="NaN"),
    "Infinity in the evidence": setter("actions", 0, "evidence", "x", value="-Inf"),
    "created before the calendar": setter(
        "actions", 0, "created_at", value="0001-01-01T00:00:00+14:00"
    ),
    "created after the calendar": setter(
        "actions", 0, "created_at", value="9999-12-31T23:59:59-14:00"
    ),
    "created at no time": setter("actions", 0, "created_at", value="yesterday"),
    "created without a time zone": setter(
        "actions", 0, "created_at", value="2026-03-02T08:00:00"
    ),
    "a long tool": setter("actions", 0, "tool", value="t" * 121),
    "a long action type": setter("actions", 0, "action_type", value="a" * 65),
    "a long trace id": setter("actions", 0, "trace_id", value="i" * 129),
    "a long created_at": setter("actions", 0, "created_at", value="2" * 300),
    "a long row hash": setter("actions", 0, "row_hash", value="f" * 65),
    "a long trace name": setter("traces", 0, "name", value="n" * 121),
    "a long key": setter("actions", 0, "key", value="k" * 65),
    "a NUL in the tool": setter("actions", 0, "tool", value="record\x00repair"),
    "a NUL in the client version": setter("client_version", value="1.0\x00"),
    "a lone surrogate": setter(
        "actions", 0, "payload", "args", "notes", value="\ud800"
    ),
}


def encoded(body: dict[str, Any]) -> bytes:
    """JSON with ``"NaN"``/``"-Inf"`` written as the bare constants Python's
    json module reads (and lone surrogates escaped, as ``json.dumps`` does)."""
    text = json.dumps(body)
    return text.replace('"NaN"', "NaN").replace('"-Inf"', "-Infinity").encode()


@pytest.mark.parametrize("case", BAD_PUSHES, ids=list(BAD_PUSHES))
def test_a_push_with_a_value_beyond_the_protocol_is_refused_and_nothing_kept(
    centre: Harness, device: FieldDevice, case: str
) -> None:
    body = action_body(device)
    BAD_PUSHES[case](body)

    response = device.post("/v1/push", encoded(body))

    assert_refused(response)
    assert kept(centre, device) == dict.fromkeys(
        ["actions", "chain_links", "traces", "device_decisions"], 0
    )
    assert device.push().status_code == 200  # the good batch still goes through


@pytest.mark.parametrize("raw", [b"1e400", b"-1e999", b"1" + b"0" * 5000])
def test_numbers_too_large_for_any_column_are_refused(
    device: FieldDevice, raw: bytes
) -> None:
    response = device.post("/v1/pull", b'{"results_after": ' + raw + b"}")

    assert_refused(response)


@pytest.mark.parametrize(
    "field",
    [
        "results_after",
        "policy_version",
        "kb_version",
        "jobs_version",
        "key_set_version",
    ],
)
@pytest.mark.parametrize("value", [MAX_INT + 1, 2**63, 2**64])
def test_a_pull_cursor_or_version_beyond_its_column_is_refused(
    centre: Harness, device: FieldDevice, field: str, value: int
) -> None:
    before = reported(centre, device)

    response = device.post("/v1/pull", json.dumps({field: value}).encode())

    assert_refused(response)
    assert reported(centre, device) == before


def test_a_pull_at_the_largest_version_is_answered(
    centre: Harness, device: FieldDevice
) -> None:
    response = device.pull(kb_version=MAX_INT, results_after=MAX_INT)

    assert response.status_code == 200
    assert reported(centre, device)["kb_version"] == MAX_INT


def journal_entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "place": 1,
        "trace": {
            "trace_id": "ask-1",
            "name": "ask",
            "start_ns": 1,
            "end_ns": 2,
            "spans": [],
        },
        "saved_at": "2026-03-02T08:00:00.000000Z",
        "decisions": [
            {
                "key": "k" * 32,
                "seq": 1,
                "tool": "order_part",
                "state": "denied",
                "payload": {},
                "decision": {"outcome": "deny"},
                "created_at": "2026-03-02T08:00:00.000000Z",
            }
        ],
    }
    for path, value in changes.items():
        steps = [int(step) if step.isdigit() else step for step in path.split(".")]
        setter(*steps, value=value)(entry)
    return entry


def decision(field: str) -> str:
    """The path of a field of the entry's decision."""
    return f"decisions.0.{field}"


BAD_ENTRIES: dict[str, dict[str, Any]] = {
    "place at 2^63": {"place": 2**63},
    "trace start at 2^63": {"trace.start_ns": 2**63},
    "a long trace id": {"trace.trace_id": "i" * 129},
    "a long trace name": {"trace.name": "n" * 121},
    "saved before the calendar": {"saved_at": "0001-01-01T00:00:00+14:00"},
    "a long decision key": {decision("key"): "k" * 65},
    "a NUL in the decision's tool": {decision("tool"): "order\x00part"},
    "decided before the calendar": {decision("created_at"): "0001-01-01T00:00+14:00"},
    "decided at no time": {decision("created_at"): "later"},
}


@pytest.mark.parametrize("case", BAD_ENTRIES, ids=list(BAD_ENTRIES))
def test_a_journal_entry_beyond_the_protocol_is_refused_and_nothing_kept(
    centre: Harness, device: FieldDevice, case: str
) -> None:
    entry = journal_entry(**BAD_ENTRIES[case])

    response = device.post("/v1/journal", json.dumps({"entries": [entry]}).encode())

    assert_refused(response)
    assert kept(centre, device)["traces"] == 0
    assert kept(centre, device)["device_decisions"] == 0
    assert reported(centre, device)["journal_place"] == 0


@pytest.mark.parametrize("reasons", [None, 7, "quantity above 50", {"a": 1}])
def test_a_journal_decision_with_odd_reasons_is_kept_as_it_came(
    centre: Harness, device: FieldDevice, reasons: Any
) -> None:
    entry = journal_entry(**{decision("decision"): {"outcome": 3, "reasons": reasons}})

    response = device.post("/v1/journal", json.dumps({"entries": [entry]}).encode())

    assert response.status_code == 200, response.text
    with centre.services.storage.read() as connection:
        row = connection.execute(sa.select(device_decisions)).one()
    expected = [] if reasons is None else [reasons]
    assert (row.outcome, json.loads(row.reasons)) == ("3", expected)


def test_a_device_decision_naming_a_huge_policy_version_is_kept_as_unknown(
    centre: Harness, device: FieldDevice
) -> None:
    body = action_body(device)
    body["actions"][0]["decision"]["bundle_version"] = 2**40
    body["actions"][0]["evidence"]["kb_version"] = "3\x00"

    response = device.post("/v1/push", encoded(body))

    assert response.status_code == 200
    with centre.services.storage.read() as connection:
        row = connection.execute(sa.select(actions)).one()
    assert (row.device_bundle_version, row.kb_version) == (0, "3")


def test_a_held_action_stored_under_looser_rules_is_still_walked(
    centre: Harness, device: FieldDevice
) -> None:
    first = device.record("record_repair", REPAIR)
    device.record("record_repair", REPAIR)
    batch = device.batch()
    later = batch.model_copy(update={"actions": batch.actions[1:]})
    assert device.push(later).json()["results"][0]["status"] == "held"
    with centre.services.storage.write() as connection:
        connection.execute(
            actions.update()
            .where(actions.c.status == "held")
            .values(created_at="before this centre checked times")
        )

    response = device.push()

    assert response.status_code == 200
    results = {r["key"]: r["status"] for r in response.json()["results"]}
    assert results[first] != "held" and "held" not in results.values()
