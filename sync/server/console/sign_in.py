"""Signing in and out of the console.

The sign-in form carries its own CSRF token, matched against a short cookie
set with the form (no session exists yet). The session cookie is ``HttpOnly``,
``SameSite=Strict``, limited to the console's path, and ``Secure`` whenever
the request came over HTTPS (over plain http on loopback a ``Secure`` cookie
would never be sent back, so it is left off there).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.guard import (
    COOKIE,
    CSRF_FIELD,
    NO_TOKEN,
    CheckedForm,
    SignedInPerson,
    read_form,
)
from sync.server.console.paths import HOME, PREFIX, SIGN_IN, safe_next
from sync.server.console.rendering import render
from sync.server.errors import NotAllowed, SignInRefused

SIGN_IN_COOKIE = "edge_console_sign_in"
"""Holds the sign-in form's CSRF token until the person signs in."""


def routes() -> APIRouter:
    """Sign-in, sign-out, and the console's front door."""
    router = APIRouter()

    @router.get("/sign-in", name="sign_in")
    async def sign_in_page(request: Request, next: str = "") -> Response:
        token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
        response = _sign_in_form(request, token, next=safe_next(next))
        _set_cookie(request, response, SIGN_IN_COOKIE, token)
        return response

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await read_form(request)
        token = request.cookies.get(SIGN_IN_COOKIE, "")
        if not token or not secrets.compare_digest(
            form.get(CSRF_FIELD).encode(), token.encode()
        ):
            raise NotAllowed(NO_TOKEN)
        username, wanted = form.get("username"), safe_next(form.get("next"))
        address = request.client.host if request.client else "unknown"
        try:
            session_id = await run_in_threadpool(
                console_of(request).sessions.sign_in,
                username,
                form.fields.get("password", [""])[0],
                address=address,
            )
        except SignInRefused as exc:
            return _sign_in_form(
                request,
                token,
                next=wanted,
                username=username,
                error=exc.message,
                status_code=401,
            )
        response = RedirectResponse(wanted, status_code=303)
        _set_cookie(request, response, COOKIE, session_id)
        response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
        return response

    @router.post("/sign-out", name="sign_out")
    async def sign_out(
        request: Request, person: SignedInPerson, _: CheckedForm
    ) -> Response:
        await run_in_threadpool(
            console_of(request).sessions.sign_out, request.cookies.get(COOKIE, "")
        )
        response = RedirectResponse(SIGN_IN, status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    @router.get("/")
    async def front_door(person: SignedInPerson) -> Response:
        return RedirectResponse(HOME, status_code=303)

    return router


def _sign_in_form(
    request: Request,
    token: str,
    *,
    next: str,
    username: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "sign_in.html",
        {"form_token": token, "next": next, "username": username, "error": error},
        status_code=status_code,
    )


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
