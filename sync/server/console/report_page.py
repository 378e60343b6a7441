"""The shift report page: what ``edge-governance report`` computes, per
technician and shift, with a plot for each technician; printable (no
navigation, a page per technician).

Read-only for everyone signed in; the same
:func:`~sync.server.report.build_report` as the command line.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import SignedInPerson
from sync.server.console.rendering import render
from sync.server.console.report_views import (
    DEFAULT_DAYS,
    TECHNICIANS_SHOWN,
    ReportPage,
    ReportQuery,
    by_technician,
    day_text,
)
from sync.server.report import build_report, technician_page
from sync.server.storage import Storage


def routes() -> APIRouter:
    """The shift report's page."""
    router = APIRouter()

    @router.get("/report", name="report")
    async def report(request: Request, person: SignedInPerson) -> Response:
        wanted = ReportQuery.from_query(request.query_params)
        services = console_of(request).services
        since, until = wanted.period(services.clock())
        page = await run_in_threadpool(_report, services.storage, wanted, since, until)
        return render(
            request,
            "report.html",
            {
                "filters": wanted,
                "technicians": page.technicians,
                "total": page.total,
                "next": wanted.query(after=page.next_after)
                if page.next_after
                else None,
                "since": day_text(since),
                "until": day_text(until),
                "default_days": DEFAULT_DAYS,
            },
        )

    return router


def _report(
    storage: Storage, wanted: ReportQuery, since: datetime, until: datetime
) -> ReportPage:
    """The page's technicians (chosen first), their shifts and their plots
    (drawn here, off the event loop)."""
    page = technician_page(
        storage,
        technician_id=wanted.technician or None,
        since=since,
        until=until,
        after=wanted.after,
        limit=TECHNICIANS_SHOWN,
    )
    shifts = (
        build_report(storage, technician_ids=page.technicians, since=since, until=until)
        if page.technicians
        else []
    )
    return by_technician(shifts, page)
