"""The knowledge page: the KB versions published, the newest version's
documents, what was withdrawn and why, and (for supervisors) withdrawing a
document or one old revision of it, after a confirmation page that says
what devices will get.

The same service as ``edge-governance kb withdraw|withdrawals``
(:class:`~sync.server.withdrawing.Withdrawer`), its refusals shown on the
page; each withdrawal names the supervisor as ``supervisor:<username>``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import CheckedForm, SignedInPerson, Supervisor
from sync.server.console.knowledge_views import (
    VERSIONS_PER_PAGE,
    WithdrawForm,
    knowledge_state,
)
from sync.server.console.release_views import moment, page_number, page_of
from sync.server.console.rendering import render
from sync.server.errors import PublishRefused, RequestInvalid
from sync.server.services import Services
from sync.server.withdrawing import Preview, Withdrawer, Withdrawn


def routes() -> APIRouter:
    """The knowledge page and its withdrawal steps."""
    router = APIRouter()

    @router.get("/knowledge", name="knowledge")
    async def listed(
        request: Request, person: SignedInPerson, page: str = ""
    ) -> Response:
        return await _knowledge_page(request, person.person.can_change, page)

    @router.post("/knowledge/withdraw-confirm", name="knowledge_withdraw_confirm")
    async def confirm(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = WithdrawForm.from_form(form)
        services = console_of(request).services
        try:
            preview = await run_in_threadpool(_preview, services, wanted.checked())
        except (PublishRefused, RequestInvalid) as exc:
            return await _refused(request, wanted, exc)
        return render(
            request,
            "knowledge_confirm.html",
            {"wanted": wanted, "preview": preview},
        )

    @router.post("/knowledge/withdraw", name="knowledge_withdraw")
    async def withdraw(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        wanted = WithdrawForm.from_form(form)
        services = console_of(request).services
        try:
            done = await run_in_threadpool(
                _withdraw,
                services,
                wanted.checked(),
                f"supervisor:{person.person.username}",
            )
        except (PublishRefused, RequestInvalid) as exc:
            return await _refused(request, wanted, exc)
        return render(request, "knowledge_done.html", {"done": done})

    return router


async def _knowledge_page(
    request: Request,
    can_change: bool,
    page: str,
    form: WithdrawForm | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    number = page_number(page)
    storage = console_of(request).services.storage
    state = await run_in_threadpool(knowledge_state, storage)
    return render(
        request,
        "knowledge.html",
        {
            "state": state,
            "versions": page_of(state.versions, number, VERSIONS_PER_PAGE),
            "can_change": can_change,
            "form": form or WithdrawForm(),
            "error": error,
            "moment": moment,
        },
        status_code=status_code,
    )


async def _refused(
    request: Request, wanted: WithdrawForm, exc: PublishRefused | RequestInvalid
) -> Response:
    """The page again, saying why nothing was withdrawn."""
    return await _knowledge_page(
        request, True, "", wanted, exc.message, exc.http_status
    )


def _withdrawer(services: Services) -> Withdrawer:
    return Withdrawer(services.storage, services.keys, clock=services.clock)


def _preview(services: Services, wanted: WithdrawForm) -> Preview:
    withdrawer = _withdrawer(services)
    if wanted.revision:
        return withdrawer.preview_revision(
            wanted.document, wanted.revision, reason=wanted.reason
        )
    return withdrawer.preview_document(wanted.document, reason=wanted.reason)


def _withdraw(services: Services, wanted: WithdrawForm, actor: str) -> Withdrawn:
    withdrawer = _withdrawer(services)
    if wanted.revision:
        return withdrawer.withdraw_revision(
            wanted.document, wanted.revision, reason=wanted.reason, actor=actor
        )
    return withdrawer.withdraw_document(
        wanted.document, reason=wanted.reason, actor=actor
    )
