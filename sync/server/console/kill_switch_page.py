"""The kill switches page: the switches on, and (for supervisors) throwing or
resetting one for a device, a technician's devices, a tool or the fleet,
after a confirmation page that says what will stop.

The same services as ``edge-governance kill-switch``: the switches in force
and their reach from :mod:`sync.server.fleet_state`, the change through
:meth:`~sync.server.publishing.Publisher.kill_switch`, recorded as
``supervisor:<username>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.fleet_views import (
    SCOPES,
    SwitchRequest,
    moment_text,
    switch_effect,
    switch_label,
    switch_request,
)
from sync.server.console.guard import CheckedForm, SignedInPerson, Supervisor
from sync.server.console.rendering import render
from sync.server.fleet_state import switch_reach, switches_on
from sync.server.publishing import Publisher
from sync.server.services import Services
from sync.server.storage.fleet import KillSwitch


@dataclass(frozen=True, slots=True)
class SwitchRow:
    """A switch in force as the page lists it."""

    switch: KillSwitch
    label: str
    reach: int
    since: str
    reset: SwitchRequest


def routes() -> APIRouter:
    """The kill switches' pages."""
    router = APIRouter()

    @router.get("/kill-switches", name="kill_switches")
    async def listed(request: Request, person: SignedInPerson) -> Response:
        services = console_of(request).services
        rows = await run_in_threadpool(_rows, services)
        return render(
            request,
            "kill_switches.html",
            {
                "rows": rows,
                "scopes": SCOPES,
                "can_change": person.person.can_change,
            },
        )

    @router.post("/kill-switches/confirm", name="kill_switch_confirm")
    async def confirm(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = switch_request(form.get)
        storage = console_of(request).services.storage
        reached = await run_in_threadpool(
            switch_reach, storage, wanted.scope, wanted.target
        )
        return render(
            request,
            "kill_switch_confirm.html",
            {"wanted": wanted, "effect": switch_effect(wanted, reached)},
        )

    @router.post("/kill-switches/change", name="kill_switch_change")
    async def change(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = switch_request(form.get)
        services = console_of(request).services
        switch = await run_in_threadpool(
            _publisher(services).kill_switch,
            wanted.scope,
            wanted.target,
            enabled=wanted.enabled,
            reason=wanted.reason or "reset from the console",
            actor=f"supervisor:{person.person.username}",
        )
        reached = await run_in_threadpool(
            switch_reach, services.storage, wanted.scope, wanted.target
        )
        return render(
            request,
            "kill_switch_done.html",
            {
                "wanted": wanted,
                "label": switch_label(switch),
                "effect": switch_effect(wanted, reached),
            },
        )

    return router


def _rows(services: Services) -> list[SwitchRow]:
    return [
        SwitchRow(
            switch,
            switch_label(switch),
            switch_reach(services.storage, switch.scope, switch.target),
            moment_text(switch.updated_at),
            SwitchRequest(switch.scope, switch.target, False, ""),
        )
        for switch in switches_on(services.storage)
    ]


def _publisher(services: Services) -> Publisher:
    return Publisher(services.storage, services.keys, clock=services.clock)
