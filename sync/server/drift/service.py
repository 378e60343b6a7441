"""The drift report from the turns at the centre: one service for the
command line and any page that shows it.

Every turn that started in the period is streamed once (its spans read by
:func:`~sync.server.drift.turn_facts.read_turn`) and counted under its ISO
week and its release (:class:`~sync.server.drift.releases_seen.ReleasesSeen`);
the devices' decisions and the centre's actions of those turns are counted
by the database per turn and joined to their turn's group. Only the turns
that can carry decisions or actions are remembered while the rest stream by.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Connection

from sync.server.drift.alerts import alerts_for
from sync.server.drift.figures import Tally
from sync.server.drift.questions import Asked, group_questions
from sync.server.drift.releases_seen import ReleasesSeen
from sync.server.drift.report import DriftReport, ReleaseFigures, WeekFigures
from sync.server.drift.thresholds import DriftThresholds
from sync.server.drift.turn_facts import read_turn
from sync.server.storage import Storage
from sync.server.storage import drift as rows

_WITHOUT_ACTIONS = frozenset({"ask", "photo", "correction"})
"""Turns that record no decision and queue no action."""
_MONDAY_BEFORE_EPOCH = 3 * 86_400
"""1970-01-01 was a Thursday: ISO weeks start three days before it."""
_WEEK = 7 * 86_400


def week_start(moment: datetime) -> datetime:
    """Midnight UTC of the Monday of ``moment``'s ISO week."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


class _Weeks:
    """ISO week labels (``2026-W10``) of nanosecond times, cached per week."""

    def __init__(self) -> None:
        self._labels: dict[int, str] = {}

    def label(self, start_ns: int) -> str:
        index = (start_ns // 1_000_000_000 + _MONDAY_BEFORE_EPOCH) // _WEEK
        found = self._labels.get(index)
        if found is None:
            monday = datetime.fromtimestamp(
                index * _WEEK - _MONDAY_BEFORE_EPOCH, tz=UTC
            )
            year, week, _ = monday.isocalendar()
            found = self._labels[index] = f"{year}-W{week:02d}"
        return found


class _Collected:
    """What one pass over the turns gathered."""

    def __init__(self) -> None:
        self.cells: defaultdict[tuple[str, str], Tally] = defaultdict(Tally)
        self.turn_cells: dict[tuple[str, str], tuple[str, str]] = {}
        self.asked: defaultdict[str, list[Asked]] = defaultdict(list)


def drift_report(
    storage: Storage,
    *,
    since: datetime,
    until: datetime,
    thresholds: DriftThresholds,
    release: str | None = None,
) -> DriftReport:
    """The figures of the turns that started in ``[since, until)``, of every
    release or of ``release`` only, with the alerts ``thresholds`` raise."""
    since_ns, until_ns = _ns(since), _ns(until)
    with storage.read() as connection:
        seen = ReleasesSeen.load(connection)
        collected = _collect_turns(connection, seen, since_ns, until_ns, release)
        _count_decisions(connection, collected, since_ns, until_ns)
        _count_actions(connection, collected, since_ns, until_ns)
    weeks = _merged(collected.cells, by_week=True)
    week_rows = tuple(
        WeekFigures(week, release, tally.figures()) for week, tally in weeks
    )
    return DriftReport(
        since=since,
        until=until,
        release=release,
        weeks=week_rows,
        by_release=tuple(
            ReleaseFigures(name, tally.figures())
            for name, tally in _merged(collected.cells, by_week=False)
        ),
        cells=tuple(
            WeekFigures(week, name, tally.figures())
            for (week, name), tally in sorted(collected.cells.items())
        ),
        unanswered=tuple(group_questions(collected.asked)),
        alerts=tuple(alerts_for(week_rows, thresholds)),
        thresholds=thresholds,
    )


def _collect_turns(
    connection: Connection,
    seen: ReleasesSeen,
    since_ns: int,
    until_ns: int,
    release: str | None,
) -> _Collected:
    collected = _Collected()
    weeks = _Weeks()
    for row in rows.turn_rows(connection, since_ns, until_ns):
        spans = _spans(row.spans)
        facts = read_turn(row.name, row.start_ns, row.end_ns, spans)
        name = seen.release_of(row.device_id, row.start_ns, facts)
        if release is not None and name != release:
            continue
        cell = (weeks.label(row.start_ns), name)
        collected.cells[cell].add_turn(facts)
        if facts.kind not in _WITHOUT_ACTIONS:
            collected.turn_cells[(row.device_id, row.trace_id)] = cell
        if facts.route == "not_found" and facts.question:
            wording = " ".join(facts.question.split())
            collected.asked[wording].append(Asked(row.device_id, row.trace_id, cell[0]))
    return collected


def _count_decisions(
    connection: Connection, collected: _Collected, since_ns: int, until_ns: int
) -> None:
    for row in rows.decision_counts(connection, since_ns, until_ns):
        cell = collected.turn_cells.get((row.device_id, row.trace_id))
        if cell is not None:
            collected.cells[cell].add_decisions(row.outcome, int(row.n))


def _count_actions(
    connection: Connection, collected: _Collected, since_ns: int, until_ns: int
) -> None:
    for row in rows.action_rows(connection, since_ns, until_ns):
        cell = collected.turn_cells.get((row.device_id, row.trace_id))
        if cell is not None:
            collected.cells[cell].add_action(
                row.device_outcome,
                row.centre_outcome,
                quarantined=bool(row.quarantined),
                rejected=bool(row.rejected),
            )


def _merged(
    cells: dict[tuple[str, str], Tally], *, by_week: bool
) -> Iterable[tuple[str, Tally]]:
    merged: dict[str, Tally] = {}
    for (week, name), tally in cells.items():
        merged.setdefault(week if by_week else name, Tally()).merge(tally)
    return sorted(merged.items())


def _spans(text: str) -> list[dict[str, object]]:
    try:
        spans = json.loads(text)
    except ValueError:
        return []
    return (
        [span for span in spans if isinstance(span, dict)]
        if isinstance(spans, list)
        else []
    )


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
