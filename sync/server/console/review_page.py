"""The review queue page: filter, look at one action, approve or reject one
or many (a confirmation page first, naming exactly which actions).

The queue comes in pages (a keyset on received, device, sequence and key in the
address, so a page can be bookmarked) with the true count of what the filter
selects. Ticked actions are confirmed and decided by their keys; "all
matching the filter" is confirmed with the count it selects then and decided
over every page, refused if the count changed meanwhile.

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
    cursor_of,
    cursor_text,
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
        after = cursor_of(request.query_params.get("after", "").strip())
        services = console_of(request).services
        page = await run_in_threadpool(
            services.review.page, wanted.selection(), after=after
        )
        now = services.clock()
        return render(
            request,
            "review_queue.html",
            {
                "filters": wanted,
                "rows": [row(item, now) for item in page.items],
                "total": page.total,
                "later_page": after is not None,
                "next": wanted.query(after=cursor_text(page.next_after))
                if page.next_after
                else None,
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
        everything = form.get("scope") == "all"
        if everything:
            page = await run_in_threadpool(review.page, wanted.selection())
            items, total = list(page.items), page.total
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
            total = len(items)
        now = console_of(request).services.clock()
        return render(
            request,
            "review_confirm.html",
            {
                "verdict": verdict,
                "word": _word(verdict),
                "reason": reason,
                "rows": [row(item, now) for item in items],
                "everything": everything,
                "total": total,
                "filters": wanted,
                "back": f"?{wanted.query()}" if wanted.active else "",
            },
        )

    @router.post("/review/decide", name="review_decide")
    async def decide(
        request: Request, person: Supervisor, form: CheckedForm
    ) -> Response:
        verdict, reason = _verdict(form)
        review = console_of(request).services.review
        if form.get("scope") == "all":
            outcome = await run_in_threadpool(
                review.resolve_all,
                QueueFilter.from_query(request.query_params).selection(),
                verdict,
                supervisor=person.person.username,
                reason=reason,
                expected=_count(form.get("expected")),
            )
        else:
            targets = targets_of(form.all("target"))
            if not targets:
                raise RequestInvalid("No action was named; go back to the queue.")
            outcome = await run_in_threadpool(
                review.resolve_each,
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


def _count(text: str) -> int:
    """The count a confirmation page showed."""
    if not text.isdigit():
        raise RequestInvalid(
            "The confirmation did not say how many actions it showed; go back "
            "to the queue and decide again."
        )
    return int(text)


def _word(verdict: Verdict) -> str:
    return "approve" if verdict == "applied" else "reject"


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
