"""The fleet page (every device's state, filtered, sorted, a page at a time,
with the newest release's convergence) and a device's page (what
``edge-governance device show`` shows, then its actions, decisions and turns
in pages).

The same services as ``edge-governance device list|show``: read only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.fleet_views import (
    ACTION_STATUSES,
    FLEET_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    ORDERS,
    STATES,
    DeviceCursors,
    FleetFilter,
    actions_text,
    arguments_json,
    convergence_text,
    device_link,
    device_row,
    moment_text,
    release_label,
    review_link_of,
    switch_label,
    turn_cursor,
    turn_link,
)
from sync.server.console.guard import SignedInPerson
from sync.server.console.rendering import render
from sync.server.device_history import device_actions, device_decisions, device_turns
from sync.server.fleet_state import (
    device_state,
    fleet_page,
    release_convergence,
    release_names,
)
from sync.server.storage import Storage


def routes() -> APIRouter:
    """The fleet's pages."""
    router = APIRouter()

    @router.get("/fleet", name="fleet")
    async def fleet(request: Request, person: SignedInPerson) -> Response:
        wanted = FleetFilter.from_query(request.query_params)
        services = console_of(request).services
        page = await run_in_threadpool(
            fleet_page,
            services.storage,
            wanted.choice(),
            order=wanted.order,
            offset=wanted.offset,
            limit=FLEET_PAGE_SIZE,
        )
        convergence = await run_in_threadpool(release_convergence, services.storage)
        now = services.clock()
        shown_to = wanted.offset + len(page.devices)
        return render(
            request,
            "fleet.html",
            {
                "filters": wanted,
                "states": STATES,
                "orders": ORDERS,
                "rows": [device_row(d, page.release_names, now) for d in page.devices],
                "total": page.total,
                "first": wanted.offset + 1,
                "last": shown_to,
                "previous": wanted.query(page=wanted.page - 1)
                if wanted.page > 1
                else None,
                "next": wanted.query(page=wanted.page + 1)
                if shown_to < page.total
                else None,
                "switches": [switch_label(s) for s in page.switches],
                "convergence": convergence_text(convergence, now),
            },
        )

    @router.get("/devices/{device_id}", name="device")
    async def device(
        request: Request, device_id: str, person: SignedInPerson
    ) -> Response:
        cursors = DeviceCursors.from_query(request.query_params)
        services = console_of(request).services
        context = await run_in_threadpool(
            _device_context, services.storage, device_id, cursors, services.clock()
        )
        return render(request, "device.html", context)

    return router


def _device_context(
    storage: Storage, device_id: str, cursors: DeviceCursors, now: datetime
) -> dict[str, object]:
    """Everything a device's page shows (one thread, several reads)."""
    state = device_state(storage, device_id)
    actions = device_actions(
        storage,
        device_id,
        status=cursors.status or None,
        before_seq=cursors.actions_before,
        limit=HISTORY_PAGE_SIZE,
    )
    decisions = device_decisions(
        storage,
        device_id,
        before_seq=cursors.decisions_before,
        limit=HISTORY_PAGE_SIZE,
    )
    turns = device_turns(
        storage, device_id, before=cursors.turns_before, limit=HISTORY_PAGE_SIZE
    )
    last_turn = turns.entries[-1] if turns.entries else None
    names = release_names(storage, [state.record.release_id])
    return {
        "row": device_row(state, names, now),
        "record": state.record,
        "handovers": state.handovers,
        "counts": actions_text(state.actions),
        "switches": state.switches,
        "switch_label": switch_label,
        "moment": moment_text,
        "release": release_label(state.record.release_id, names),
        "cursors": cursors,
        "statuses": ACTION_STATUSES,
        "self_link": device_link(device_id),
        "actions": actions,
        "actions_next": cursors.query(actions_before=actions.entries[-1].seq)
        if actions.more
        else None,
        "review_link": lambda key, status: review_link_of(device_id, key, status),
        "decisions": decisions,
        "decisions_next": cursors.query(decisions_before=decisions.entries[-1].seq)
        if decisions.more
        else None,
        "turns": turns,
        "turns_next": cursors.query(
            turns_before=turn_cursor(last_turn.saved_at, last_turn.trace_id)
        )
        if turns.more and last_turn is not None
        else None,
        "turn_link": lambda trace_id: turn_link(device_id, trace_id),
        "as_json": arguments_json,
    }
