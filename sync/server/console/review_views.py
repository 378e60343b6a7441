"""How the review queue reads in the console: its filters from the query
string, its rows, the evidence of one action."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sync.server.console.paths import PREFIX
from sync.server.errors import RequestInvalid
from sync.server.records import QueueCursor, ReviewFilter, ReviewItem

SHORT_ID_SHOWN = 8
"""Characters of a key the queue shows (as the CLI does)."""
FILTER_FIELDS = ("device", "technician", "tool", "reason", "older_than_hours")
"""The query-string names of the queue's filters, in the form's order."""
TARGET_SEPARATOR = "/"
"""Between a device id and a key in a checkbox's value (keys hold no slash)."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The queue's filters as typed in the page (empty: no filter)."""

    device: str = ""
    technician: str = ""
    tool: str = ""
    reason: str = ""
    older_than_hours: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> QueueFilter:
        return cls(
            **{name: query.get(name, "").strip()[:200] for name in FILTER_FIELDS}
        )

    def selection(self) -> ReviewFilter:
        """The service's filter.

        Raises:
            RequestInvalid: "older than" is not a number of hours.
        """
        return ReviewFilter(
            device_id=self.device or None,
            technician_id=self.technician or None,
            tool=self.tool or None,
            reason=self.reason or None,
            older_than=self._age(),
        )

    def query(self, **changed: str) -> str:
        """The filters as a query string (only those given), with ``changed``."""
        given = {name: getattr(self, name) for name in FILTER_FIELDS}
        given.update(changed)
        return urlencode({k: v for k, v in given.items() if v})

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_FIELDS)

    def _age(self) -> timedelta | None:
        if not self.older_than_hours:
            return None
        try:
            hours = float(self.older_than_hours)
        except ValueError:
            hours = math.nan
        if not math.isfinite(hours) or hours < 0 or hours > 24 * 3650:
            raise RequestInvalid(
                f"'Older than' must be a number of hours such as 2 or 0.5, not "
                f"{self.older_than_hours!r}. Correct it and filter again."
            )
        return timedelta(hours=hours)


def cursor_text(cursor: QueueCursor) -> str:
    """A page's end as the next page's ``after``: ``received/seq/key/device``
    (the device last: only it may hold a slash)."""
    return TARGET_SEPARATOR.join(
        (cursor.received_at.isoformat(), str(cursor.seq), cursor.key, cursor.device_id)
    )


def cursor_of(text: str) -> QueueCursor | None:
    """The cursor :func:`cursor_text` wrote (empty: the first page).

    Raises:
        RequestInvalid: the text is not such a cursor.
    """
    if not text:
        return None
    parts = text[:400].split(TARGET_SEPARATOR, 3)
    try:
        moment, seq, key, device_id = parts
        found = QueueCursor(datetime.fromisoformat(moment), device_id, int(seq), key)
    except ValueError:
        found = None
    if found is None or found.received_at.tzinfo is None or not key or not device_id:
        raise RequestInvalid(
            "The page's address names no place in the queue; go back to the "
            "queue's first page."
        )
    return found


@dataclass(frozen=True, slots=True)
class Row:
    """One quarantined action as the queue's table shows it."""

    target: str
    short_id: str
    key: str
    device_id: str
    seq: int
    technician_id: str
    tool: str
    arguments: str
    reason: str
    age: str
    received_at: str

    @property
    def link(self) -> str:
        """The action's page."""
        return detail_link(self.device_id, self.key)


def detail_link(device_id: str, key: str) -> str:
    """The URL of one action's page."""
    return f"{PREFIX}/review/{quote(key, safe='')}?{urlencode({'device': device_id})}"


def row(item: ReviewItem, now: datetime) -> Row:
    return Row(
        target=f"{item.device_id}{TARGET_SEPARATOR}{item.key}",
        short_id=item.key[:SHORT_ID_SHOWN],
        key=item.key,
        device_id=item.device_id,
        seq=item.seq,
        technician_id=item.technician_id,
        tool=item.tool,
        arguments=arguments_text(item),
        reason=item.reason,
        age=age_text(now - item.received_at),
        received_at=item.received_at.isoformat(timespec="seconds"),
    )


def arguments_text(item: ReviewItem) -> str:
    """The call's arguments as compact JSON (as the CLI shows them)."""
    return json.dumps(dict(item.payload.get("args", {})), sort_keys=True)


def age_text(age: timedelta) -> str:
    """``12 min``, ``3 h 5 min``, ``2 d 4 h``."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def targets_of(values: Sequence[str]) -> list[tuple[str, str]]:
    """(device, key) of each checkbox value ``device/key``.

    Raises:
        RequestInvalid: a value is not of that form.
    """
    found = []
    for value in values:
        device_id, _, key = value.rpartition(TARGET_SEPARATOR)
        if not device_id or not key:
            raise RequestInvalid(
                "The form named an action it could not have shown; reload the "
                "queue and choose again."
            )
        found.append((device_id, key))
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One piece of evidence: text, a table (a list of records), or JSON."""

    name: str
    text: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    json: str | None = None


def evidence_entries(evidence: Mapping[str, Any]) -> list[EvidenceEntry]:
    """The evidence, each piece as it reads best: cited chunks and codes read
    from a photo (lists of records) as tables, plain values as text."""
    return [_entry(name, value) for name, value in sorted(evidence.items())]


def _entry(name: str, value: Any) -> EvidenceEntry:
    if isinstance(value, str | int | float | bool) or value is None:
        return EvidenceEntry(name, text="" if value is None else str(value))
    records = value if isinstance(value, list) else None
    if records and all(isinstance(r, Mapping) for r in records):
        columns = tuple(dict.fromkeys(k for r in records for k in r))
        return EvidenceEntry(
            name,
            columns=columns,
            rows=tuple(tuple(_cell(r.get(c)) for c in columns) for r in records),
        )
    return EvidenceEntry(
        name, json=json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def decision_lines(decision: Mapping[str, Any] | None) -> tuple[str, list[str]]:
    """A decision's headline (outcome and policy version) and its reasons."""
    if not decision:
        return "not judged", []
    version = decision.get("bundle_version", "?")
    head = f"{decision.get('outcome', '?')} (policy v{version})"
    return head, [str(reason) for reason in decision.get("reasons", ())]
