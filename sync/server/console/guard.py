"""What a console route requires: a signed-in person, a supervisor, a form
whose CSRF token matches the session's.

Routes declare these as parameters (``person: SignedInPerson``); a request
without a live session is sent to the sign-in page with the page it wanted
kept; an auditor's change and a form without its token are refused (403).
Only the session cookie is read: a device's signed headers open nothing here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sync.server.console.context import console_of
from sync.server.console.paths import HOME
from sync.server.console.sessions import SignedIn
from sync.server.errors import NotAllowed, RequestInvalid

COOKIE = "edge_console"
"""The session cookie's name."""
CSRF_FIELD = "csrf_token"
"""The hidden field of every form."""
MAX_FORM_BYTES = 256 * 1024
"""Largest form body taken."""

NO_TOKEN = (
    "This form was refused: it did not carry this page's security token. "
    "Go back, reload the page and send it again."
)


class SignInNeeded(Exception):
    """No live session: the person signs in, then goes to ``wanted``."""

    def __init__(self, wanted: str) -> None:
        super().__init__(wanted)
        self.wanted = wanted


@dataclass(frozen=True, slots=True)
class Form:
    """A posted form's fields (a name may repeat, like checkboxes)."""

    fields: Mapping[str, Sequence[str]]

    def get(self, name: str, default: str = "") -> str:
        """The field's first value, stripped (``default`` when absent)."""
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field."""
        return list(self.fields.get(name, ()))


async def signed_in(request: Request) -> SignedIn:
    """The person signed in by the request's session cookie.

    Raises:
        SignInNeeded: no cookie, or its session has ended.
    """
    cookie = request.cookies.get(COOKIE, "")
    sessions = console_of(request).sessions
    signed = await run_in_threadpool(sessions.current, cookie) if cookie else None
    if signed is None:
        raise SignInNeeded(_wanted(request))
    request.state.signed = signed
    return signed


SignedInPerson = Annotated[SignedIn, Depends(signed_in)]
"""A route parameter: the signed-in person (any role)."""


async def supervisor(person: SignedInPerson) -> SignedIn:
    """The signed-in person, if they may change things.

    Raises:
        NotAllowed: an auditor (read-only).
    """
    if not person.person.can_change:
        raise NotAllowed(
            f"{person.person.username} signed in as an auditor, who reads but "
            "changes nothing. Ask a supervisor."
        )
    return person


Supervisor = Annotated[SignedIn, Depends(supervisor)]
"""A route parameter: the signed-in supervisor (auditors are refused)."""


async def checked_form(request: Request, person: SignedInPerson) -> Form:
    """The posted form, once its CSRF token matched the session's.

    Raises:
        NotAllowed: no token, or another one.
    """
    form = await read_form(request)
    if not secrets.compare_digest(
        form.get(CSRF_FIELD).encode(), person.csrf_token.encode()
    ):
        raise NotAllowed(NO_TOKEN)
    return form


CheckedForm = Annotated[Form, Depends(checked_form)]
"""A route parameter: a posted form whose CSRF token was checked."""


async def read_form(request: Request) -> Form:
    """The URL-encoded body of a posted form.

    Raises:
        RequestInvalid: the body is too large or not a form.
    """
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise RequestInvalid("The form is too large to be taken.")
    try:
        return Form(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestInvalid("The form could not be read; send it again.") from exc


def _wanted(request: Request) -> str:
    if request.method != "GET":
        return HOME
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
