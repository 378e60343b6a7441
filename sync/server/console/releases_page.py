"""The releases pages: the history, one release and who runs it, making a
release through the gate (or over it, with a reason) and rolling back, each
change after a confirmation page.

The same services as ``edge-governance release list|show|create|rollback``
(:mod:`sync.server.releases`); each change names the supervisor as
``supervisor:<username>``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import CheckedForm, Form, SignedInPerson, Supervisor
from sync.server.console.release_views import (
    DEVICES_PER_PAGE,
    MAX_REASON,
    RELEASES_PER_PAGE,
    CreateForm,
    duration,
    gate_text,
    moment,
    page_number,
    page_of,
    release_link,
    release_rows,
    report_link,
)
from sync.server.console.rendering import render
from sync.server.errors import PublishRefused, RequestInvalid
from sync.server.gate_config import load_gate
from sync.server.releases import (
    Releases,
    ReleaseState,
    release_history,
    release_state,
)
from sync.server.releases.candidate import Candidate, preview_candidate
from sync.server.services import Services
from sync.server.storage.releases import Release

HELPERS = {
    "moment": moment,
    "duration": duration,
    "release_link": release_link,
    "report_link": report_link,
    "gate_text": gate_text,
}


def routes() -> APIRouter:
    """The releases pages."""
    router = APIRouter()

    @router.get("/releases", name="releases")
    async def history(
        request: Request, person: SignedInPerson, page: str = ""
    ) -> Response:
        return await _history_page(request, person.person.can_change, page)

    @router.post("/releases/create-confirm", name="release_create_confirm")
    async def create_confirm(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = CreateForm.from_form(form)
        services = console_of(request).services
        try:
            override = wanted.override_text()
            candidate = await run_in_threadpool(_preview, services, wanted)
        except (PublishRefused, RequestInvalid) as exc:
            return await _history_page(request, True, "", wanted, exc.message)
        return render(
            request,
            "release_confirm.html",
            {
                "form": wanted,
                "candidate": candidate,
                "override": override,
                **HELPERS,
            },
        )

    @router.post("/releases/create", name="release_create")
    async def create(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = CreateForm.from_form(form)
        services = console_of(request).services
        try:
            release = await run_in_threadpool(
                _create, services, wanted, person.person.username
            )
        except (PublishRefused, RequestInvalid) as exc:
            return await _history_page(request, True, "", wanted, exc.message)
        made = await run_in_threadpool(
            release_state, services.storage, str(release.release_id)
        )
        return render(request, "release_done.html", {"state": made, **HELPERS})

    @router.post("/releases/rollback-confirm", name="release_rollback_confirm")
    async def rollback_confirm(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        to, reason = _rollback_fields(form)
        storage = console_of(request).services.storage
        current = await run_in_threadpool(release_state, storage, None)
        target = await run_in_threadpool(release_state, storage, to)
        if target.newest:
            raise PublishRefused(
                f"Release {target.release.name} is the newest already: choose an "
                "older one to bring back."
            )
        return render(
            request,
            "rollback_confirm.html",
            {"current": current, "target": target, "reason": reason, **HELPERS},
        )

    @router.post("/releases/rollback", name="release_rollback")
    async def rollback(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        to, reason = _rollback_fields(form)
        services = console_of(request).services
        done = await run_in_threadpool(
            _releases(services).rollback,
            reason=reason,
            actor=f"supervisor:{person.person.username}",
            to=to,
        )
        return render(request, "rollback_done.html", {"done": done, **HELPERS})

    @router.get("/releases/{name}", name="release")
    async def release(
        request: Request, name: str, person: SignedInPerson, page: str = ""
    ) -> Response:
        storage = console_of(request).services.storage
        shown: ReleaseState = await run_in_threadpool(release_state, storage, name)
        devices = page_of(shown.running, page_number(page), DEVICES_PER_PAGE)
        return render(
            request,
            "release_detail.html",
            {
                "state": shown,
                "r": shown.release,
                "gate": gate_text(shown.release, shown.gate),
                "devices": devices,
                "can_roll_back": person.person.can_change and not shown.newest,
                **HELPERS,
            },
        )

    return router


async def _history_page(
    request: Request,
    can_change: bool,
    page: str,
    form: CreateForm | None = None,
    error: str = "",
) -> Response:
    storage = console_of(request).services.storage
    history = await run_in_threadpool(release_history, storage)
    newest = (
        await run_in_threadpool(release_state, storage, None)
        if history.releases
        else None
    )
    context: dict[str, Any] = {
        "history": history,
        "rows": page_of(release_rows(history), page_number(page), RELEASES_PER_PAGE),
        "newest": newest,
        "older": [c.release for c in history.releases[1:]],
        "can_change": can_change,
        "form": form or CreateForm(),
        "error": error,
        **HELPERS,
    }
    return render(request, "releases.html", context, status_code=409 if error else 200)


def _releases(services: Services) -> Releases:
    return Releases(services.storage, services.keys, clock=services.clock)


def _preview(services: Services, wanted: CreateForm) -> Candidate:
    model = wanted.model()
    return preview_candidate(
        services.storage,
        wanted.name,
        model_name=model.name,
        model_sha256=model.sha256,
        app=wanted.app(),
        gate=load_gate(services.settings.data_dir),
    )


def _create(services: Services, wanted: CreateForm, username: str) -> Release:
    return _releases(services).create(
        wanted.name,
        actor=f"supervisor:{username}",
        model=wanted.model(),
        app=wanted.app(),
        gate=load_gate(services.settings.data_dir),
        override=wanted.override_text(),
    )


def _rollback_fields(form: Form) -> tuple[str, str]:
    to = form.get("to")[:200]
    reason = form.get("reason")[:MAX_REASON]
    if not to:
        raise RequestInvalid("Choose the release to bring back.")
    if not reason:
        raise RequestInvalid(
            "A rollback needs a reason: it is kept with the release. Go back, "
            "write one and roll back again."
        )
    return to, reason
