"""The journal: every turn's trace and every decision (denied ones too)
reach the centre once, in bounded batches, resuming from a cursor after a
failure, and are forgotten after the centre's retention."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from policies import Decision, Outcome
from sync import SyncClient, send_journal
from sync.server.storage.schema import device_decisions, traces
from tests.sync.server.support import FieldDevice, Harness, harness

ORDER = {"tool": "order_part", "args": {"part_number": "4471-G10-131", "quantity": 60}}


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as running:
        yield running


def client_for(centre: Harness, device: FieldDevice, http=None) -> SyncClient:
    return SyncClient(
        http or centre.http,
        device_id=device.device_id,
        secret=device.secret,
        clock=centre.clock,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def question(device: FieldDevice, n: int, answer: str = "E-42: low inlet pressure"):
    return device.outbox.save_trace(
        {
            "trace_id": f"ask-{n}",
            "name": "ask",
            "spans": [
                {
                    "span_id": f"s{n}",
                    "parent_id": None,
                    "name": "invoke_agent",
                    "start_ns": 1,
                    "end_ns": 2,
                    "attributes": {"edge.answer": answer},
                    "error": None,
                }
            ],
        }
    )


def stored(centre: Harness, table: sa.Table, device_id: str) -> list[dict]:
    with centre.services.storage.read() as connection:
        rows = connection.execute(
            sa.select(table).where(table.c.device_id == device_id)
        ).fetchall()
    return [dict(row._mapping) for row in rows]


def test_turns_and_every_decision_reach_the_centre_once(centre) -> None:
    device = centre.enrol()
    for n in range(3):
        question(device, n)
    denied = Decision(Outcome.DENY, ("quantity above 50",), ("order-limit",), 2)
    device.enqueue(ORDER, denied)
    device.record("order_part", {"part_number": "4471-G10-131", "quantity": 2})
    client = client_for(centre, device)

    first = send_journal(device.outbox, client, cursor=0, batch=2)
    again = send_journal(device.outbox, client, cursor=0)

    # The queued action's turn goes with its push, not the journal.
    assert (first.sent, first.stopped) == (4, None)
    assert again.cursor == first.cursor and again.sent == 4  # sent, nothing new
    assert len(stored(centre, traces, device.device_id)) == 4
    (denial,) = stored(centre, device_decisions, device.device_id)
    assert denial["outcome"] == "deny" and denial["state"] == "denied"
    assert "quantity above 50" in denial["reasons"]
    assert denial["technician_id"] == device.technician


def test_a_turn_saved_again_is_sent_again_and_replaces_the_centre_s_copy(
    centre,
) -> None:
    device = centre.enrol()
    question(device, 1, answer="first draft")
    client = client_for(centre, device)
    cursor = send_journal(device.outbox, client, cursor=0).cursor

    question(device, 1, answer="corrected by hand")
    later = send_journal(device.outbox, client, cursor=cursor)

    (kept,) = stored(centre, traces, device.device_id)
    assert later.sent == 1 and later.cursor > cursor
    assert "corrected by hand" in kept["spans"]


def test_a_failure_keeps_the_cursor_where_the_centre_confirmed_it(centre) -> None:
    device = centre.enrol()
    for n in range(4):
        question(device, n)
    calls = itertools.count()

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(calls) == 1:
            raise httpx.ReadTimeout("lost", request=request)
        forwarded = centre.http.post(
            request.url.path, content=request.content, headers=request.headers
        )
        return httpx.Response(
            forwarded.status_code,
            content=forwarded.content,
            headers=forwarded.headers,
        )

    http = httpx.Client(base_url="http://centre", transport=httpx.MockTransport(flaky))
    stopped = send_journal(
        device.outbox, client_for(centre, device, http), cursor=0, batch=2
    )
    resumed = send_journal(
        device.outbox, client_for(centre, device), cursor=stopped.cursor
    )

    assert stopped.sent == 2 and stopped.stopped
    assert resumed.sent == 2 and resumed.stopped is None
    assert len(stored(centre, traces, device.device_id)) == 4


def test_a_turn_too_large_to_send_goes_without_its_steps(centre) -> None:
    device = centre.enrol()
    question(device, 1, answer="x" * 50_000)

    outcome = send_journal(
        device.outbox, client_for(centre, device), cursor=0, max_bytes=10_000
    )

    (kept,) = stored(centre, traces, device.device_id)
    assert outcome.sent == 1 and "trace too large to send" in kept["spans"]


def test_turns_and_decisions_are_forgotten_after_the_retention(centre) -> None:
    device = centre.enrol()
    question(device, 1)
    denied = Decision(Outcome.DENY, ("kill switch",), ("kill",), 2)
    device.enqueue(ORDER, denied)
    send_journal(device.outbox, client_for(centre, device), cursor=0)

    centre.clock.advance(timedelta(days=366))
    forgotten = centre.services.journal.prune()

    assert forgotten == 3
    assert stored(centre, traces, device.device_id) == []
    assert stored(centre, device_decisions, device.device_id) == []


def test_a_trace_an_action_names_stays_with_the_action(centre) -> None:
    device = centre.enrol()
    centre.publish_default_policy()
    device.record("order_part", {"part_number": "4471-G10-131", "quantity": 2})
    assert device.push().status_code == 200
    send_journal(device.outbox, client_for(centre, device), cursor=0)

    centre.clock.advance(timedelta(days=366))
    centre.services.journal.prune()

    assert len(stored(centre, traces, device.device_id)) == 1
    assert stored(centre, device_decisions, device.device_id) == []
