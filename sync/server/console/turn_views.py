"""How the Decisions & turns pages read: their filters from the query string,
a turn's spans as a timeline, the codes a photo turn read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from sync.server.console.dates import moment_typed
from sync.server.console.paths import PREFIX
from sync.server.turn_log import Cursor, LogFilter, Turn

FILTER_FIELDS = ("q", "device", "technician", "since", "until", "kind", "route")
"""The query-string names of the log's filters, in the form's order."""
TURN_KINDS = ("ask", "propose", "photo", "correction")
"""Turn names a device records (the kind filter offers them)."""
ROUTES = ("code_lookup", "retrieval", "not_found")
"""Answer routes a question turn names."""
OUTCOMES = ("allow", "confirm", "approve", "deny")
"""Decision outcomes (the kind filter of the decisions page)."""
SPAN_LABELS = {
    "invoke_agent": "Turn",
    "edge.intake": "Intake",
    "edge.ocr": "Photo read",
    "edge.retrieval": "Retrieval",
    "edge.request.reading": "Reading the request",
    "chat": "Model",
    "edge.model.refused": "Model not loaded",
    "execute_tool": "Tool",
    "edge.policy.decision": "Policy",
    "edge.confirmation": "Confirmation",
    "edge.queue": "Queue",
}
"""What each step is called on the page (others show their span name)."""
MIN_BAR = 0.4
"""The narrowest bar drawn, in percent of the turn (an instant stays visible)."""


@dataclass(frozen=True, slots=True)
class LogQuery:
    """The log's filters as typed in the page (empty: no filter)."""

    q: str = ""
    device: str = ""
    technician: str = ""
    since: str = ""
    until: str = ""
    kind: str = ""
    route: str = ""
    after: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> LogQuery:
        given = {name: query.get(name, "").strip()[:200] for name in FILTER_FIELDS}
        return cls(**given, after=query.get("after", "").strip()[:400])

    def selection(self) -> LogFilter:
        """The service's filter.

        Raises:
            RequestInvalid: a date is not a date.
        """
        return LogFilter(
            text=self.q or None,
            device_id=self.device or None,
            technician_id=self.technician or None,
            since=moment_typed(self.since, "From", end_of_day=False),
            until=moment_typed(self.until, "To", end_of_day=True),
            kind=self.kind or None,
            route=self.route or None,
        )

    def cursor(self) -> Cursor | None:
        return Cursor.from_token(self.after) if self.after else None

    def query(self, **changed: str) -> str:
        """The filters as a query string (only those given), with ``changed``."""
        given = {name: getattr(self, name) for name in FILTER_FIELDS}
        given.update(changed)
        return urlencode({k: v for k, v in given.items() if v})

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_FIELDS)


def turn_link(device_id: str, trace_id: str) -> str:
    """The URL of one turn's page."""
    path = f"{PREFIX}/turns/{quote(trace_id, safe='')}"
    return f"{path}?{urlencode({'device': device_id})}"


def moment_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def ns_text(value: int) -> str:
    """A device's nanosecond time as UTC text (blank when unknown)."""
    if value <= 0:
        return ""
    return moment_text(datetime.fromtimestamp(value / 1e9, tz=UTC))


@dataclass(frozen=True, slots=True)
class Step:
    """One span of a turn on the timeline."""

    index: int
    name: str
    label: str
    depth: int
    offset_ms: float
    duration_ms: float
    left: float
    """Where the bar starts, in percent of the turn."""
    width: float
    """How long the bar is, in percent of the turn."""
    category: str
    attributes: tuple[tuple[str, str], ...]
    error: str


def timeline(turn: Turn) -> list[Step]:
    """The turn's spans by start time, each with its bar's place and length."""
    spans = sorted(turn.spans, key=lambda s: (_int(s.get("start_ns")), _depth_key(s)))
    starts = [_int(s.get("start_ns")) for s in spans]
    ends = [_int(s.get("end_ns")) for s in spans]
    begin = min(starts, default=0)
    total = max(max(ends, default=0) - begin, 1)
    depths = _depths(spans)
    steps = []
    for index, span in enumerate(spans, start=1):
        start, end = starts[index - 1], max(ends[index - 1], starts[index - 1])
        left = min((start - begin) / total * 100, 100 - MIN_BAR)
        width = min(max((end - start) / total * 100, MIN_BAR), 100 - left)
        name = str(span.get("name", ""))
        steps.append(
            Step(
                index=index,
                name=name,
                label=SPAN_LABELS.get(name, name),
                depth=depths.get(str(span.get("span_id")), 0),
                offset_ms=(start - begin) / 1e6,
                duration_ms=(end - start) / 1e6,
                left=round(left, 2),
                width=round(width, 2),
                category=_category(name),
                attributes=_attributes(span.get("attributes")),
                error=str(span.get("error") or ""),
            )
        )
    return steps


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _depth_key(span: Mapping[str, Any]) -> int:
    return 0 if not span.get("parent_id") else 1


def _depths(spans: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    parents = {str(s.get("span_id")): s.get("parent_id") for s in spans}
    depths: dict[str, int] = {}
    for span_id in parents:
        depth, seen, parent = 0, {span_id}, parents[span_id]
        while parent and str(parent) in parents and str(parent) not in seen:
            seen.add(str(parent))
            depth += 1
            parent = parents[str(parent)]
        depths[span_id] = min(depth, 4)
    return depths


def _category(name: str) -> str:
    if name == "invoke_agent":
        return "turn"
    if name in ("chat", "edge.model.refused"):
        return "model"
    if name in ("edge.policy.decision", "edge.confirmation", "edge.queue"):
        return "policy"
    if name in ("edge.ocr", "edge.intake"):
        return "photo"
    return "step"


def _attributes(given: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(given, Mapping):
        return ()
    return tuple((str(k), _text(v)) for k, v in sorted(given.items()))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class ReadCode:
    """A code a photo turn read, or corrected."""

    kind: str
    value: str
    confidence: str
    known: str
    corrected: str = ""


def photo_codes(turn: Turn) -> list[ReadCode]:
    """The codes a photo turn read (with their confidence), or the code a
    correction turn read and what the technician typed in its place."""
    read = turn.attribute("edge.ocr.read")
    found = []
    if isinstance(read, str) and read:
        for entry in read.split("; "):
            parts = entry.rsplit(" ", 2)
            kind, _, value = parts[0].partition(" ") if parts else ("", "", "")
            if len(parts) == 3:
                found.append(ReadCode(kind, value, parts[1], parts[2]))
    original = turn.attribute("edge.code.read")
    if original is not None:
        known = turn.attribute("edge.code.known")
        found.append(
            ReadCode(
                str(turn.attribute("edge.code.kind") or ""),
                str(original),
                _text(turn.attribute("edge.code.confidence") or ""),
                "" if known is None else ("known" if known else "unknown"),
                corrected=str(turn.attribute("edge.code.corrected") or ""),
            )
        )
    return found
