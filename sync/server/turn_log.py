"""The log of what devices decided and answered: their journals' turns and
decisions, a page at a time, and one turn's trace as a timeline.

Both front ends read it: ``edge-governance turns list`` and the console's
Decisions & turns pages. Pages hold the latest received first and go on from
a keyset cursor (:class:`Cursor`), so a centre holding 100,000 turns reads
one page, never all of them. A turn's technician is its device's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sync.server.errors import RecordNotFound, RequestInvalid
from sync.server.storage import Storage
from sync.server.storage import journal_pages as store
from sync.server.storage.journal_pages import After, Where

PAGE_SIZE = 50
"""Rows in a page unless asked otherwise."""
MAX_PAGE = 1000
"""The most rows one page holds."""
QUESTION = "edge.query"
"""The attribute holding the question (on the retrieval span)."""
ROUTE = "edge.answer.route"
"""The attribute naming the answer's route (on the root span)."""
TOOL_ATTRIBUTES = ("gen_ai.tool.name", "edge.reading.tool")
"""Attributes naming the tool a turn proposed or read."""

T = TypeVar("T")

LogFilter = Where
"""What a page is limited to: text, device, technician, received range,
kind (a turn's name or a decision's outcome), route."""
EVERYTHING = LogFilter()
"""No filter."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: the last row of this one."""

    at: datetime
    device_id: str
    record_id: str

    def token(self) -> str:
        """The cursor as URL-safe text (for a query string)."""
        raw = json.dumps([self.at.isoformat(), self.device_id, self.record_id])
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")

    @classmethod
    def from_token(cls, token: str) -> Cursor:
        """The cursor ``token`` names.

        Raises:
            RequestInvalid: the token is not one a page gave.
        """
        try:
            at, device_id, record_id = json.loads(base64.urlsafe_b64decode(token))
            moment = datetime.fromisoformat(at)
        except (ValueError, TypeError) as exc:
            raise RequestInvalid(
                "The page's place in the log could not be read; go back to the "
                "first page."
            ) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(moment, str(device_id), str(record_id))

    def after(self) -> After:
        return After(self.at, self.device_id, self.record_id)


@dataclass(frozen=True, slots=True)
class Turn:
    """One stored turn with what the log shows of it."""

    device_id: str
    trace_id: str
    name: str
    technician_id: str
    start_ns: int
    end_ns: int
    saved_at: datetime
    spans: tuple[Mapping[str, Any], ...]
    decisions: tuple[str, ...] = ()
    """``tool: outcome`` of each decision the turn recorded."""

    @property
    def seconds(self) -> float:
        return max(self.end_ns - self.start_ns, 0) / 1e9

    @property
    def question(self) -> str:
        """The question asked, if the turn recorded one."""
        return str(self.attribute(QUESTION) or "")

    @property
    def route(self) -> str:
        """The answer's route, if the turn named it."""
        return str(self.attribute(ROUTE) or "")

    @property
    def tool(self) -> str:
        """The tool proposed or read, if any."""
        for name in TOOL_ATTRIBUTES:
            value = self.attribute(name)
            if value:
                return str(value)
        return ""

    @property
    def error(self) -> str:
        """The root span's error, if the turn failed."""
        roots = [s for s in self.spans if not s.get("parent_id")]
        return str(roots[0].get("error") or "") if roots else ""

    def attribute(self, name: str) -> Any:
        """The first span's value of attribute ``name`` (``None``: none has it)."""
        for span in self.spans:
            attributes = span.get("attributes") or {}
            if isinstance(attributes, Mapping) and name in attributes:
                return attributes[name]
        return None

    def as_dict(self) -> dict[str, Any]:
        """The turn as ``turns list --json`` prints it."""
        return {
            "device_id": self.device_id,
            "trace_id": self.trace_id,
            "name": self.name,
            "technician_id": self.technician_id,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "spans": [dict(span) for span in self.spans],
            "saved_at": self.saved_at.isoformat(timespec="seconds"),
            "decisions": list(self.decisions),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision a device made, from its journal."""

    device_id: str
    key: str
    seq: int
    technician_id: str
    tool: str
    outcome: str
    reasons: tuple[str, ...]
    state: str
    payload: Mapping[str, Any]
    trace_id: str
    created_at: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of the log, and where the next one starts (``None``: last)."""

    rows: tuple[T, ...]
    next: Cursor | None = None


def turn_page(
    storage: Storage,
    wanted: LogFilter = EVERYTHING,
    *,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Turn]:
    """The turns received latest first, ``limit`` at most, after ``after``."""
    limit = _bounded(limit)
    with storage.read() as connection:
        rows = store.turn_rows(
            connection, wanted, after=after.after() if after else None, limit=limit + 1
        )
        shown = rows[:limit]
        decided = store.decisions_of(
            connection, [(row["device_id"], row["trace_id"]) for row in shown]
        )
    outcomes: dict[tuple[str, str], list[str]] = {}
    for found in decided:
        place = (found["device_id"], found["trace_id"])
        outcomes.setdefault(place, []).append(f"{found['tool']}: {found['outcome']}")
    turns = tuple(
        _turn(row, outcomes.get((row["device_id"], row["trace_id"]), []))
        for row in shown
    )
    last = turns[-1] if turns and len(rows) > limit else None
    return Page(
        turns,
        Cursor(last.saved_at, last.device_id, last.trace_id) if last else None,
    )


def decision_page(
    storage: Storage,
    wanted: LogFilter = EVERYTHING,
    *,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Decision]:
    """The decisions received latest first, ``limit`` at most, after ``after``."""
    limit = _bounded(limit)
    with storage.read() as connection:
        rows = store.decision_rows(
            connection, wanted, after=after.after() if after else None, limit=limit + 1
        )
    decisions = tuple(_decision(row) for row in rows[:limit])
    last = decisions[-1] if decisions and len(rows) > limit else None
    return Page(
        decisions,
        Cursor(last.received_at, last.device_id, last.key) if last else None,
    )


@dataclass(frozen=True, slots=True)
class TurnDetail:
    """One turn with the decisions it recorded."""

    turn: Turn
    decisions: tuple[Decision, ...] = field(default_factory=tuple)


def find_turn(
    storage: Storage, trace_id: str, device_id: str | None = None
) -> TurnDetail:
    """The turn ``trace_id`` (of ``device_id`` when two devices sent that id).

    Raises:
        RecordNotFound: no such turn, or several devices sent that id.
    """
    decided: list[dict[str, Any]] = []
    with storage.read() as connection:
        rows = store.turns_named(connection, trace_id, device_id)
        if len(rows) == 1:
            decided = store.decisions_of(connection, [(rows[0]["device_id"], trace_id)])
    if not rows:
        raise RecordNotFound(
            f"No turn {trace_id!r} is held"
            + (f" for device {device_id!r}" if device_id else "")
            + ": it may be older than the journal's retention. Look it up in "
            "the log."
        )
    if len(rows) > 1:
        devices = ", ".join(row["device_id"] for row in rows)
        raise RecordNotFound(
            f"Devices {devices} each sent a turn {trace_id!r}; open it from the "
            "log to say which."
        )
    return TurnDetail(
        _turn(rows[0], [f"{d['tool']}: {d['outcome']}" for d in decided]),
        tuple(_decision(row) for row in decided),
    )


def _bounded(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _turn(row: Mapping[str, Any], decisions: Sequence[str]) -> Turn:
    spans = json.loads(row["spans"])
    return Turn(
        device_id=row["device_id"],
        trace_id=row["trace_id"],
        name=row["name"],
        technician_id=row.get("technician_id") or "",
        start_ns=int(row["start_ns"]),
        end_ns=int(row["end_ns"]),
        saved_at=row["saved_at"],
        spans=tuple(s for s in spans if isinstance(s, Mapping)),
        decisions=tuple(decisions),
    )


def _decision(row: Mapping[str, Any]) -> Decision:
    reasons = json.loads(row["reasons"])
    payload = json.loads(row["payload"])
    return Decision(
        device_id=row["device_id"],
        key=row["key"],
        seq=int(row["seq"]),
        technician_id=row["technician_id"],
        tool=row["tool"],
        outcome=row["outcome"],
        reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        state=row["state"],
        payload=payload if isinstance(payload, Mapping) else {},
        trace_id=row["trace_id"],
        created_at=row["created_at"],
        received_at=row["received_at"],
    )
