"""How the shift report reads in the console: its period from the query
string, its shifts grouped by technician, each technician's plot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from sync.server.console.charts import counts_by, stacked_bars
from sync.server.console.dates import moment_typed
from sync.server.errors import RequestInvalid
from sync.server.report import ShiftReport, TechnicianPage

DEFAULT_DAYS = 7
"""The period shown when the page names no start: the week before its end."""
STATUSES = ("applied", "quarantined", "rejected", "held")
DENIED = "denied on the device"
FIELDS = ("technician", "since", "until")
TECHNICIANS_SHOWN = 5
"""Technicians on one page of the report (each has a plot drawn for it)."""


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """The report's technician and period as typed (empty: not given)."""

    technician: str = ""
    since: str = ""
    until: str = ""
    after: str = ""
    """The last technician of the page before (empty: the first page)."""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ReportQuery:
        given = {name: query.get(name, "").strip()[:200] for name in FIELDS}
        return cls(**given, after=query.get("after", "").strip()[:200])

    def period(self, now: datetime) -> tuple[datetime, datetime]:
        """From when to when (received), the end not included: by default
        the :data:`DEFAULT_DAYS` to the end of today.

        Raises:
            RequestInvalid: a date is not a date, or the period is backwards.
        """
        typed_end = moment_typed(self.until, "To", end_of_day=True)
        start = moment_typed(self.since, "From", end_of_day=False)
        end = typed_end or _next_midnight(now)
        if start is not None and typed_end is None:
            end = max(end, start + timedelta(days=1))
        start = start or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise RequestInvalid(
                "The period ends before it starts: 'From' must come before 'To'. "
                "Correct the dates and show the report again."
            )
        return start, end

    def query(self, **changed: str) -> str:
        """The technician and period as a query string, with ``changed``."""
        given = {name: getattr(self, name) for name in FIELDS}
        given.update(changed)
        return urlencode({k: v for k, v in given.items() if v})


def _next_midnight(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def day_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class TechnicianReport:
    """One technician's shifts in the period, and their plot."""

    technician_id: str
    shifts: tuple[ShiftReport, ...]
    chart: Markup

    @property
    def actions(self) -> int:
        return sum(s.actions for s in self.shifts)

    @property
    def denials(self) -> int:
        return sum(sum(s.denials.values()) for s in self.shifts)


@dataclass(frozen=True, slots=True)
class ReportPage:
    """The technicians one page of the report shows, and who comes next."""

    technicians: tuple[TechnicianReport, ...]
    next_after: str | None
    """The last technician shown, when more follow (the next page's ``after``)."""
    total: int = 0
    """Technicians in the period's report in all."""


def by_technician(reports: Sequence[ShiftReport], page: TechnicianPage) -> ReportPage:
    """The page's technicians, in name order, each with their shifts and a
    plot of their actions per shift by status and what the device denied."""
    grouped: dict[str, list[ShiftReport]] = {name: [] for name in page.technicians}
    for report in reports:
        if report.technician_id in grouped:
            grouped[report.technician_id].append(report)
    return ReportPage(
        tuple(
            TechnicianReport(name, tuple(shifts), _chart(index, shifts))
            for index, (name, shifts) in enumerate(grouped.items(), start=1)
        ),
        page.next_after,
        page.total,
    )


def _chart(index: int, shifts: Sequence[ShiftReport]) -> Markup:
    counts = [
        {**{s: shift.statuses.get(s, 0) for s in STATUSES}, DENIED: _denied(shift)}
        for shift in shifts
    ]
    return stacked_bars(
        f"chart-{index}",
        "Actions per shift, by what became of them",
        [shift.shift for shift in shifts],
        counts_by(counts, (*STATUSES, DENIED)),
        y_label="actions",
    )


def _denied(shift: ShiftReport) -> int:
    return sum(shift.denials.values())
