"""The Decisions & turns pages: the searchable log of what devices answered
and decided, a page at a time, and one turn's trace as a timeline.

Read-only for everyone signed in; the same :mod:`sync.server.turn_log`
service as ``edge-governance turns list``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import SignedInPerson
from sync.server.console.rendering import render
from sync.server.console.turn_views import (
    OUTCOMES,
    ROUTES,
    TURN_KINDS,
    LogQuery,
    moment_text,
    ns_text,
    photo_codes,
    timeline,
    turn_link,
)
from sync.server.turn_log import decision_page, find_turn, turn_page


def routes() -> APIRouter:
    """The log's pages."""
    router = APIRouter()

    @router.get("/turns", name="turns")
    async def turns(request: Request, person: SignedInPerson) -> Response:
        wanted = LogQuery.from_query(request.query_params)
        storage = console_of(request).services.storage
        page = await run_in_threadpool(
            turn_page, storage, wanted.selection(), after=wanted.cursor()
        )
        return render(
            request,
            "turns.html",
            {
                **_common(wanted),
                "turns": page.rows,
                "next": wanted.query(after=page.next.token()) if page.next else None,
                "kinds": TURN_KINDS,
                "routes": ROUTES,
            },
        )

    @router.get("/decisions", name="decisions")
    async def decisions(request: Request, person: SignedInPerson) -> Response:
        wanted = LogQuery.from_query(request.query_params)
        storage = console_of(request).services.storage
        page = await run_in_threadpool(
            decision_page, storage, wanted.selection(), after=wanted.cursor()
        )
        return render(
            request,
            "decisions.html",
            {
                **_common(wanted),
                "decisions": page.rows,
                "next": wanted.query(after=page.next.token()) if page.next else None,
                "kinds": OUTCOMES,
            },
        )

    @router.get("/turns/{trace_id}", name="turn_detail")
    async def detail(
        request: Request, trace_id: str, person: SignedInPerson, device: str = ""
    ) -> Response:
        storage = console_of(request).services.storage
        found = await run_in_threadpool(
            find_turn, storage, trace_id, device.strip() or None
        )
        turn = found.turn
        return render(
            request,
            "turn_detail.html",
            {
                "turn": turn,
                "decisions": found.decisions,
                "steps": timeline(turn),
                "codes": photo_codes(turn),
                "started": ns_text(turn.start_ns),
                "received": moment_text(turn.saved_at),
                "self_link": turn_link(turn.device_id, turn.trace_id),
            },
        )

    return router


def _common(wanted: LogQuery) -> dict[str, object]:
    return {
        "filters": wanted,
        "moment": moment_text,
        "ns_text": ns_text,
        "turn_link": turn_link,
    }
