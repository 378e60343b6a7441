"""The review queue page: filter, look at one action, approve or reject one
or many (a confirmation page first, naming exactly which actions).

The same :class:`~sync.server.review.Review` service as ``edge-governance
review``; each verdict names the supervisor as ``supervisor:<username>``.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import CheckedForm, Form, SignedInPerson, Supervisor
from sync.server.console.rendering import render
from sync.server.console.review_views import (
    QueueFilter,
    decision_lines,
    detail_link,
    evidence_entries,
    row,
    targets_of,
)
from sync.server.errors import RequestInvalid
from sync.server.records import ActionDetail
from sync.server.review import Verdict

VERDICTS: dict[str, Verdict] = {"approve": "applied", "reject": "rejected"}


def routes() -> APIRouter:
    """The review queue's pages."""
    router = APIRouter()

    @router.get("/review", name="review")
    async def queue(request: Request, person: SignedInPerson) -> Response:
        wanted = QueueFilter.from_query(request.query_params)
        services = console_of(request).services
        items = await run_in_threadpool(services.review.pending, wanted.selection())
        now = services.clock()
        return render(
            request,
            "review_queue.html",
            {
                "filters": wanted,
                "rows": [row(item, now) for item in items],
                "can_change": person.person.can_change,
            },
        )

    @router.post("/review/confirm", name="review_confirm")
    async def confirm(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        verdict, reason = _verdict(form)
        wanted = QueueFilter.from_query(request.query_params)
        review = console_of(request).services.review
        if form.get("scope") == "all":
            items = await run_in_threadpool(review.pending, wanted.selection())
        else:
            targets = targets_of(form.all("target"))
            if not targets:
                raise RequestInvalid(
                    "No action was chosen: tick the actions to decide, or choose "
                    "'all matching the filter'."
                )
            details = [
                await run_in_threadpool(review.show, key, device_id=device_id)
                for device_id, key in targets
            ]
            items = [d.item for d in details if d.status == "quarantined"]
        now = console_of(request).services.clock()
        return render(
            request,
            "review_confirm.html",
            {
                "verdict": verdict,
                "word": _word(verdict),
                "reason": reason,
                "rows": [row(item, now) for item in items],
                "back": f"?{wanted.query()}" if wanted.active else "",
            },
        )

    @router.post("/review/decide", name="review_decide")
    async def decide(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        verdict, reason = _verdict(form)
        targets = targets_of(form.all("target"))
        if not targets:
            raise RequestInvalid("No action was named; go back to the queue.")
        outcome = await run_in_threadpool(
            console_of(request).services.review.resolve_each,
            targets,
            verdict,
            supervisor=person.person.username,
            reason=reason,
        )
        return render(
            request,
            "review_done.html",
            {
                "word": _word(verdict),
                "decided": len(outcome.resolved),
                "skipped": outcome.skipped,
            },
        )

    @router.get("/review/{key}", name="review_detail")
    async def detail(
        request: Request, key: str, person: SignedInPerson, device: str = ""
    ) -> Response:
        found: ActionDetail = await run_in_threadpool(
            console_of(request).services.review.show, key, device_id=device or None
        )
        now = console_of(request).services.clock()
        return render(
            request,
            "review_detail.html",
            {
                "detail": found,
                "row": row(found.item, now),
                "payload": _pretty(found.item.payload),
                "device_decision": decision_lines(found.device_decision),
                "centre_decision": decision_lines(found.centre_decision),
                "evidence": evidence_entries(found.evidence),
                "confirmation": found.confirmation,
                "can_change": person.person.can_change
                and found.status == "quarantined",
                "self_link": detail_link(found.item.device_id, found.item.key),
            },
        )

    return router


def _verdict(form: Form) -> tuple[Verdict, str]:
    verdict = VERDICTS.get(form.get("verdict"))
    if verdict is None:
        raise RequestInvalid("Choose Approve or Reject.")
    reason = form.get("verdict_reason")[:2000]
    if verdict == "rejected" and not reason:
        raise RequestInvalid(
            "A rejection needs a reason: the technician reads it. Go back, write "
            "one and reject again."
        )
    return verdict, reason


def _word(verdict: Verdict) -> str:
    return "approve" if verdict == "applied" else "reject"


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
