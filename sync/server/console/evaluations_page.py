"""The evaluation reports pages: the reports devices uploaded, newest first,
each judged by the gate as it stands, with the gate's thresholds; one report's
figures per kind of case, its verdict per threshold and its failing cases.

The same services as ``edge-governance release reports`` and ``release gate
show`` (:mod:`sync.server.releases.reports`, :mod:`sync.server.gate_config`).
Read-only: reports arrive from devices, thresholds are set at the command line.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import SignedInPerson
from sync.server.console.release_views import (
    FAILURES_PER_PAGE,
    REPORTS_PER_PAGE,
    failing_cases,
    figure_tables,
    figure_text,
    moment,
    page_number,
    page_of,
    release_link,
    report_link,
)
from sync.server.console.rendering import render
from sync.server.gate import SHORT, GateConfig
from sync.server.gate_config import load_gate
from sync.server.releases.reports import report_detail, report_listing

HELPERS = {
    "moment": moment,
    "release_link": release_link,
    "report_link": report_link,
    "short": SHORT,
    "figure_text": figure_text,
}


def routes() -> APIRouter:
    """The evaluation reports pages."""
    router = APIRouter()

    @router.get("/evaluations", name="evaluations")
    async def listing(
        request: Request, person: SignedInPerson, before: str = ""
    ) -> Response:
        services = console_of(request).services
        gate = load_gate(services.settings.data_dir)
        below = page_number(before, "before") if before else None
        found = await run_in_threadpool(
            report_listing,
            services.storage,
            gate,
            limit=REPORTS_PER_PAGE + 1,
            before=below,
        )
        shown = found.reports[:REPORTS_PER_PAGE]
        more = len(found.reports) > REPORTS_PER_PAGE
        return render(
            request,
            "evaluations.html",
            {
                "reports": shown,
                "override": found.override,
                "next_before": shown[-1].stored.report_id if more else None,
                "paged": below is not None,
                "thresholds": _thresholds(gate),
                **HELPERS,
            },
        )

    @router.get("/evaluations/{report_id}", name="evaluation")
    async def detail(
        request: Request,
        report_id: str,
        person: SignedInPerson,
        kind: str = "",
        page: str = "",
    ) -> Response:
        services = console_of(request).services
        gate = load_gate(services.settings.data_dir)
        number = page_number(report_id, "report")
        listed = await run_in_threadpool(report_detail, services.storage, gate, number)
        report = listed.stored.report
        kind = kind.strip()[:40]
        failures = failing_cases(report, kind)
        return render(
            request,
            "evaluation_detail.html",
            {
                "listed": listed,
                "report": report,
                "tables": figure_tables(report),
                "checks": listed.verdict.checks,
                "kind": kind,
                "failures": page_of(failures, page_number(page), FAILURES_PER_PAGE),
                **HELPERS,
            },
        )

    return router


def _thresholds(gate: GateConfig) -> list[tuple[str, str, str, bool]]:
    """Each threshold: its name, value, meaning, and whether set here."""
    defaults = GateConfig().as_dict()
    return [
        (
            key,
            ", ".join(map(str, value)) if isinstance(value, list) else str(value),
            GateConfig.describe(key),
            value != defaults[key],
        )
        for key, value in gate.as_dict().items()
    ]
