"""The drift page: how the fleet's answers change, per ISO week and per
release, for a period in the address (``?weeks=12``, ``?since=DATE``,
``?release=NAME``); the alerts first, the plots, the tables, and the
questions that found nothing, with a download of them as evaluation cases.

The same services as ``edge-governance drift`` and ``drift unanswered
--out`` (:mod:`sync.server.drift`). Read-only. The report takes seconds over
a large fleet, so it is computed in a worker thread and kept for a minute
(:mod:`sync.server.console.report_cache`): reloading, paging and the plots
read the kept one, and the page says when it was computed. The plots are
images served from their own address: matplotlib's SVG carries styles that
the console's Content-Security-Policy forbids inline.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.drift_views import (
    DEVICES_SHOWN,
    FIGURE_COLUMNS,
    GROUPS_PER_PAGE,
    ROUTE_HEADINGS,
    TURNS_SHOWN,
    DriftQuery,
    drift_link,
    threshold_rows,
)
from sync.server.console.guard import SignedInPerson
from sync.server.console.release_views import moment, page_number, page_of
from sync.server.console.rendering import render
from sync.server.console.report_cache import TIME_TO_LIVE, Computed, ReportCache
from sync.server.console.turn_views import turn_link
from sync.server.drift import (
    DriftReport,
    drift_report,
    load_thresholds,
    unanswered_suite,
)
from sync.server.drift.plots import PLOTS, drift_plot
from sync.server.drift.report import shown
from sync.server.errors import RecordNotFound
from sync.server.services import Services

DOWNLOAD_NAME = "unanswered-questions-suite.json"
"""The file name the download suggests."""

HELPERS = {
    "moment": moment,
    "shown": shown,
    "drift_link": drift_link,
    "turn_link": turn_link,
    "columns": FIGURE_COLUMNS,
    "route_headings": ROUTE_HEADINGS,
    "turns_shown": TURNS_SHOWN,
    "devices_shown": DEVICES_SHOWN,
    "kept_seconds": int(TIME_TO_LIVE.total_seconds()),
    "groups_per_page": GROUPS_PER_PAGE,
    "threshold_rows": threshold_rows,
}


def routes() -> APIRouter:
    """The drift page, its plots and its download."""
    router = APIRouter()
    cache: ReportCache[DriftReport] = ReportCache()

    async def computed(request: Request, wanted: DriftQuery) -> Computed[DriftReport]:
        services = console_of(request).services
        return await run_in_threadpool(
            cache.get, wanted, lambda: _report(services, wanted), services.clock
        )

    @router.get("/drift", name="drift")
    async def drift(
        request: Request,
        person: SignedInPerson,
        weeks: str = "",
        since: str = "",
        release: str = "",
        page: str = "",
    ) -> Response:
        wanted = DriftQuery.parse(weeks, since, release)
        number = page_number(page)
        found = await computed(request, wanted)
        report = found.value
        query = wanted.query()
        return render(
            request,
            "drift.html",
            {
                "wanted": wanted,
                "report": report,
                "computed_at": found.computed_at,
                "groups": page_of(report.unanswered, number, GROUPS_PER_PAGE),
                "plots": PLOTS if report.weeks else {},
                "pager_extra": f"{query}&" if query else "",
                **HELPERS,
            },
        )

    @router.get("/drift/plot/{name}.svg", name="drift_plot")
    async def plot(
        request: Request,
        name: str,
        person: SignedInPerson,
        weeks: str = "",
        since: str = "",
        release: str = "",
    ) -> Response:
        wanted = DriftQuery.parse(weeks, since, release)
        if name not in PLOTS:
            raise RecordNotFound(f"There is no drift plot named {name[:40]!r}.")
        found = await computed(request, wanted)
        svg = await run_in_threadpool(
            cache.drawn, wanted, found, name, lambda r: drift_plot(r, name)
        )
        return Response(svg, media_type="image/svg+xml")

    @router.get("/drift/unanswered.json", name="drift_unanswered")
    async def unanswered(
        request: Request,
        person: SignedInPerson,
        weeks: str = "",
        since: str = "",
        release: str = "",
    ) -> Response:
        wanted = DriftQuery.parse(weeks, since, release)
        report = (await computed(request, wanted)).value
        if not report.unanswered:
            raise RecordNotFound(
                "No question found nothing in this period, so there are no cases "
                "to download. Choose a longer period on the drift page."
            )
        return Response(
            unanswered_suite(report.unanswered),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{DOWNLOAD_NAME}"'},
        )

    return router


def _report(services: Services, wanted: DriftQuery) -> DriftReport:
    since, until = wanted.window(services.clock())
    return drift_report(
        services.storage,
        since=since,
        until=until,
        thresholds=load_thresholds(services.settings.data_dir),
        release=wanted.release or None,
    )
