"""Turns and decisions a device sends the centre through its real journal,
for the tests of the log and its pages."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from policies import Decision, Outcome
from sync import SyncClient, send_journal
from tests.sync.server.support import FieldDevice, Harness

ORDER = {"tool": "order_part", "args": {"part_number": "4471-G10-131", "quantity": 60}}
"""An order the demo policy denies (more than 50)."""
NANO = 1_000_000
"""A millisecond in nanoseconds."""
BEGIN = 1_772_438_400 * 1_000_000_000
"""2026-03-02T08:00:00Z in nanoseconds."""


def span(
    span_id: str,
    name: str,
    start_ms: int,
    end_ms: int,
    parent: str | None = "root",
    error: str | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    """A span as a device's tracer writes it (``__`` in names become dots)."""
    return {
        "span_id": span_id,
        "parent_id": parent,
        "name": name,
        "start_ns": BEGIN + start_ms * NANO,
        "end_ns": BEGIN + end_ms * NANO,
        "attributes": {k.replace("__", "."): v for k, v in attributes.items()},
        "error": error,
    }


def question_spans(question: str, route: str = "retrieval") -> list[dict[str, Any]]:
    """A question turn: retrieval, then the model, with its checks."""
    return [
        span(
            "root",
            "invoke_agent",
            0,
            900,
            None,
            edge__turn="ask",
            edge__answer__route=route,
        ),
        span("r1", "edge.retrieval", 5, 120, edge__query=question, edge__hits=3),
        span(
            "m1",
            "chat",
            130,
            880,
            gen_ai__request__model="smol",
            edge__sentences_kept=2,
            edge__sentences_dropped=1,
        ),
    ]


def ask(device: FieldDevice, trace_id: str, question: str, **kw: Any) -> None:
    """Record a question turn in the device's journal."""
    save(device, trace_id, "ask", question_spans(question, **kw))


def save(
    device: FieldDevice, trace_id: str, name: str, spans: Sequence[Mapping[str, Any]]
) -> None:
    device.outbox.save_trace({"trace_id": trace_id, "name": name, "spans": spans})


def deny(device: FieldDevice, reason: str, payload: Mapping[str, Any] = ORDER) -> str:
    """A proposal the device's policy denied (it reaches the centre only by
    the journal); returns its key."""
    denied = Decision(Outcome.DENY, (reason,), ("order-limit",), 2)
    return device.enqueue(dict(payload), denied)


def send(centre: Harness, device: FieldDevice) -> int:
    """Send the device's whole journal; returns how many entries went."""
    client = SyncClient(
        centre.http,
        device_id=device.device_id,
        secret=device.secret,
        clock=centre.clock,
        new_nonce=lambda: uuid.uuid4().hex,
    )
    return send_journal(device.outbox, client, cursor=0).sent
