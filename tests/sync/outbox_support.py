"""Helpers for outbox tests: a fake clock and ids, sample turns, and invariants."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync import INITIAL_STATES, ActionState, Outbox, payload_hash

DEVICE = "device-0001"
START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


class FakeClock:
    """A clock that moves one millisecond each time it is read, or as told."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Keys:
    """Idempotency keys ``key-0001``, ``key-0002`` ...; ``repeat`` forces one."""

    def __init__(self) -> None:
        self.issued = 0
        self.repeat: str | None = None

    def __call__(self) -> str:
        if self.repeat is not None:
            return self.repeat
        self.issued += 1
        return f"key-{self.issued:04d}"


def make_outbox(
    target: Path | sqlite3.Connection | None = None,
    *,
    clock: FakeClock | None = None,
    keys: Keys | None = None,
    device_id: str = DEVICE,
) -> Outbox:
    """An outbox on ``target`` (default: a new in-memory database)."""
    return Outbox.open(
        sqlite3.connect(":memory:") if target is None else target,
        device_id=device_id,
        clock=clock or FakeClock(),
        new_id=keys or Keys(),
    )


def sample_trace(trace_id: str = "trace-1", spans: int = 10) -> dict[str, Any]:
    """A turn's trace as the app builds it: a root span and ``spans - 1`` steps."""
    names = ["edge.intake", "edge.ocr", "edge.retrieval", "chat", "execute_tool"]
    names += ["edge.policy.decision", "edge.confirmation", "edge.queue"]
    base = 1_772_436_600_000_000_000
    steps = [
        {
            "span_id": f"{trace_id}-s{i:02d}",
            "parent_id": f"{trace_id}-s00",
            "name": names[(i - 1) % len(names)],
            "start_ns": base + i * 1_000_000,
            "end_ns": base + i * 1_000_000 + 800_000,
            "attributes": {"gen_ai.usage.output_tokens": 12 * i, "edge.step": i},
            "error": None,
        }
        for i in range(1, spans)
    ]
    root = {
        "span_id": f"{trace_id}-s00",
        "parent_id": None,
        "name": "invoke_agent",
        "start_ns": base,
        "end_ns": base + spans * 1_000_000,
        "attributes": {"gen_ai.operation.name": "invoke_agent", "edge.turn": "propose"},
        "error": None,
    }
    return {"trace_id": trace_id, "name": "propose", "spans": [root, *steps]}


def sample_parts(part: str = "4471-A20-339", quantity: int = 2) -> dict[str, Any]:
    """Keyword arguments for ``enqueue``: an order with its decision and evidence."""
    payload = {"part_number": part, "quantity": quantity, "job": "J-1042"}
    return {
        "tool": "order_part",
        "action_type": "order",
        "payload": payload,
        "decision": {
            "outcome": "confirm",
            "reasons": ["Orders need the technician's confirmation."],
            "matched_rules": ["orders-confirm"],
            "bundle_version": 7,
        },
        "confirmation": {
            "technician_id": "ann",
            "payload_hash": payload_hash(payload),
            "bundle_version": 7,
            "confirmed_at": "2026-03-02T07:31:00Z",
        },
        "evidence": {
            "cited_chunks": ["pump-manual.md#12", "parts.csv#40"],
            "ocr_codes": [{"code": "E-42", "confidence": 0.97}],
            "photo_sha256": "ab" * 32,
            "kb_version": "2026.03.01-3",
            "model_id": "SmolLM2-135M-Instruct-Q8_0",
        },
    }


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in every outbox table."""
    tables = ("actions", "traces", "transitions", "pruned_actions")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def check_outbox(path: Path, committed: Iterable[str] = (), *, device_id: str) -> int:
    """Assert every invariant of a (possibly crashed) outbox file; returns actions.

    Integrity check ok and no foreign-key violations (checked before anything
    writes); the outbox opens and its chain holds; sequence numbers 1..last with
    no gaps (kept or pruned); every kept action complete (JSON parts, trace,
    first transition at its creation, transitions that lead to its state);
    state counts right; every key in ``committed`` present.
    """
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with Outbox.open(path, device_id=device_id) as outbox:
        assert outbox.verify_chain() is None
    with closing(sqlite3.connect(path)) as conn:
        (last_seq,) = conn.execute("SELECT last_seq FROM outbox_device").fetchone()
        seqs = [row[0] for row in conn.execute(_ALL_SEQ)]
        assert seqs == list(range(1, last_seq + 1))
        kept = 0
        for row in conn.execute(
            "SELECT key, state, decision, evidence, trace_id, created_at, "
            "updated_at, state_reason FROM actions"
        ):
            _check_action(conn, *row)
            kept += 1
        counts = dict(conn.execute("SELECT state, count(*) FROM actions GROUP BY 1"))
        for state, n in conn.execute("SELECT state, actions FROM action_states"):
            assert counts.get(state, 0) == n, state
        keys = {row[0] for row in conn.execute(_ALL_KEYS)}
        missing = set(committed) - keys
        assert not missing, f"committed actions lost: {sorted(missing)[:5]}"
    return kept


_ALL_SEQ = "SELECT seq FROM actions UNION ALL SELECT seq FROM pruned_actions ORDER BY 1"
_ALL_KEYS = "SELECT key FROM actions UNION ALL SELECT key FROM pruned_actions"


def _check_action(
    conn: sqlite3.Connection,
    key: str,
    state: str,
    decision: str,
    evidence: str,
    trace_id: str,
    created_at: str,
    updated_at: str,
    state_reason: str,
) -> None:
    assert isinstance(json.loads(decision), dict)
    assert isinstance(json.loads(evidence), dict)
    (spans,) = conn.execute(
        "SELECT spans FROM traces WHERE trace_id = ?", [trace_id]
    ).fetchone()
    assert isinstance(json.loads(spans), list)
    moves = conn.execute(
        "SELECT from_state, to_state, at, reason FROM transitions "
        "WHERE action_key = ? ORDER BY id",
        [key],
    ).fetchall()
    assert moves, f"{key} has no transitions"
    first_from, first_to, first_at, _ = moves[0]
    assert first_from is None and ActionState(first_to) in INITIAL_STATES
    assert first_at == created_at
    for (_, before, _, _), (after, _, _, _) in zip(moves, moves[1:], strict=False):
        assert after == before, f"{key}: transitions do not chain"
    assert moves[-1][1] == state and moves[-1][2] == updated_at
    assert moves[-1][3] == state_reason
