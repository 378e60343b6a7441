"""Turns as devices send them (the spans ``edge_agent`` writes), stored at a
centre through its own journal code; for the drift tests and benchmark."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sync.protocol import JournalEntry, WireDecision, WireTrace
from sync.server.storage import Storage
from sync.server.storage.devices import add_device
from sync.server.storage.journal import store_entries
from sync.server.storage.schema import actions, decisions, devices

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
"""Monday of ISO week 2026-W10."""
SHA = "ab" * 32

_ids = itertools.count(1)


def ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000


def _span(name: str, start: int, end: int, parent: str | None, **attributes: Any):
    return {
        "span_id": f"{next(_ids):016x}",
        "parent_id": parent,
        "name": name,
        "start_ns": start,
        "end_ns": end,
        "attributes": attributes,
        "error": None,
    }


def _turn(kind: str, at: datetime, seconds: float, *children: tuple[str, dict]):
    start = ns(at)
    end = start + int(seconds * 1e9)
    root = _span(
        "invoke_agent",
        start,
        end,
        None,
        **{"gen_ai.operation.name": "invoke_agent", "edge.turn": kind},
    )
    spans = [root]
    for name, attributes in children:
        spans.append(_span(name, start + 1, end - 1, root["span_id"], **attributes))
    return spans


def ask(
    trace_id: str,
    at: datetime,
    question: str,
    route: str,
    *,
    seconds: float = 1.0,
    kept: int | None = None,
    dropped: int = 0,
    tokens: tuple[int, int] = (300, 60),
    recorded_route: bool = True,
) -> dict[str, Any]:
    """A question turn; ``kept`` given: the model explained (a chat span)."""
    found = route == "code_lookup"
    children = [
        (
            "edge.retrieval",
            {
                "edge.query": question,
                "edge.codes_found": 1 if found else 0,
                "edge.hits": 0 if route in ("not_found", "code_lookup") else 4,
                "edge.intent": "fact",
            },
        )
    ]
    if kept is not None:
        children.append(
            (
                "chat",
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "smollm2",
                    "gen_ai.usage.input_tokens": tokens[0],
                    "gen_ai.usage.output_tokens": tokens[1],
                    "edge.sentences_kept": kept,
                    "edge.sentences_dropped": dropped,
                    "edge.sentences_redundant": 0,
                    "edge.model.sha256": SHA,
                },
            )
        )
    spans = _turn("ask", at, seconds, *children)
    if recorded_route:
        spans[0]["attributes"]["edge.answer.route"] = route
    return {"trace_id": trace_id, "name": "ask", "spans": spans}


def photo(
    trace_id: str,
    at: datetime,
    codes: Sequence[tuple[str, str, float]],
    *,
    seconds: float = 2.0,
) -> dict[str, Any]:
    read = "; ".join(f"{kind} {value} {conf:.2f} known" for kind, value, conf in codes)
    ocr = {
        "edge.photo.name": "plate.jpg",
        "edge.photo.sha256": "cd" * 32,
        "edge.ocr.engine": "rapidocr",
        "edge.ocr.seconds": seconds,
        "edge.ocr.codes": len(codes),
        "edge.ocr.read": read,
    }
    return {
        "trace_id": trace_id,
        "name": "photo",
        "spans": _turn("photo", at, seconds, ("edge.ocr", ocr)),
    }


def correction(trace_id: str, at: datetime) -> dict[str, Any]:
    ocr = {
        "edge.photo.sha256": "cd" * 32,
        "edge.code.kind": "fault_code",
        "edge.code.read": "E-47",
        "edge.code.confidence": 0.61,
        "edge.code.corrected": "E-42",
        "edge.code.known": True,
    }
    return {
        "trace_id": trace_id,
        "name": "correction",
        "spans": _turn("correction", at, 0.2, ("edge.ocr", ocr)),
    }


def propose(
    trace_id: str, at: datetime, outcome: str, *, policy_version: int = 3
) -> dict[str, Any]:
    policy = {
        "gen_ai.tool.name": "order_part",
        "edge.policy.outcome": outcome,
        "edge.policy.version": policy_version,
    }
    return {
        "trace_id": trace_id,
        "name": "propose",
        "spans": _turn("propose", at, 0.5, ("edge.policy.decision", policy)),
    }


@dataclass
class Fleet:
    """Turns per device, written to a centre's database by its own code."""

    storage: Storage
    places: dict[str, int] = field(default_factory=dict)

    def device(self, device_id: str) -> None:
        with self.storage.write() as connection:
            add_device(
                connection,
                device_id=device_id,
                name=device_id,
                technician_id=f"tech-{device_id}",
                role="technician",
                secret="s" * 64,
                at=MONDAY - timedelta(days=60),
            )
        self.places[device_id] = 0

    def runs(self, device_id: str, release_id: int, since: datetime) -> None:
        with self.storage.write() as connection:
            connection.execute(
                devices.update()
                .where(devices.c.device_id == device_id)
                .values(release_id=release_id, release_since=since)
            )

    def send(
        self, device_id: str, traces: Sequence[dict[str, Any]], *, outcomes=()
    ) -> None:
        """Store the turns as the centre's journal does; ``outcomes`` pairs a
        trace id with the device's decision outcome for it."""
        decided = dict(outcomes)
        entries = []
        for trace in traces:
            self.places[device_id] += 1
            spans = trace["spans"]
            decisions_of = []
            if trace["trace_id"] in decided:
                decisions_of.append(
                    WireDecision(
                        key=f"k-{trace['trace_id']}",
                        seq=self.places[device_id],
                        tool="order_part",
                        state="denied"
                        if decided[trace["trace_id"]] == "deny"
                        else "queued",
                        payload={"tool": "order_part", "args": {}},
                        decision={"outcome": decided[trace["trace_id"]], "reasons": []},
                        created_at="2026-03-02T06:00:00Z",
                    )
                )
            entries.append(
                JournalEntry(
                    place=self.places[device_id],
                    trace=WireTrace(
                        trace_id=trace["trace_id"],
                        name=trace["name"],
                        start_ns=min(s["start_ns"] for s in spans),
                        end_ns=max(s["end_ns"] for s in spans),
                        spans=spans,
                    ),
                    saved_at="2026-03-02T06:00:00Z",
                    decisions=decisions_of,
                )
            )
        with self.storage.write() as connection:
            for start in range(0, len(entries), 500):
                store_entries(
                    connection,
                    device_id,
                    f"tech-{device_id}",
                    entries[start : start + 500],
                    at=MONDAY,
                )

    def action(
        self,
        device_id: str,
        trace_id: str,
        *,
        device_outcome: str,
        status: str,
        centre_outcome: str | None,
        quarantined: bool = False,
    ) -> None:
        """An action the centre received for the turn, with its verdicts."""
        key = f"a-{trace_id}"
        with self.storage.write() as connection:
            connection.execute(
                actions.insert().values(
                    device_id=device_id,
                    key=key,
                    seq=1,
                    technician_id=f"tech-{device_id}",
                    tool="order_part",
                    action_type="order",
                    payload="{}",
                    payload_hash="h",
                    device_state="queued",
                    decision="{}",
                    evidence="{}",
                    trace_id=trace_id,
                    created_at="2026-03-02T06:00:00Z",
                    prev_hash="p",
                    row_hash="r",
                    content_digest="c",
                    device_outcome=device_outcome,
                    device_bundle_version=3,
                    status=status,
                    reason="",
                    centre_outcome=centre_outcome,
                    received_at=MONDAY,
                    updated_at=MONDAY,
                )
            )
            verdicts = ["quarantined", status] if quarantined else [status]
            connection.execute(
                decisions.insert(),
                [
                    {
                        "device_id": device_id,
                        "key": key,
                        "seq": 1,
                        "result_id": None,
                        "status": verdict,
                        "reason": "",
                        "actor": "centre",
                        "at": MONDAY,
                    }
                    for verdict in dict.fromkeys(verdicts)
                ],
            )


def count_rows(storage: Storage, table: sa.Table) -> int:
    with storage.read() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)))
