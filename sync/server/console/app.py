"""``console_app(services)``: the console as a sub-application, mounted by
:func:`sync.server.app.create_app` under :data:`~sync.server.console.PREFIX`.

Its own error pages (HTML, never a traceback), its static files, and the
security headers on every response. Every route but sign-in and the static
files depends on a signed-in person (see :mod:`sync.server.console.guard`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from importlib.resources import files
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.server.console import (
    charts,
    drift_page,
    evaluations_page,
    fleet_page,
    kill_switch_page,
    knowledge_page,
    releases_page,
    report_page,
    review_page,
    sign_in,
    turns_page,
)
from sync.server.console.context import Console
from sync.server.console.guard import SignInNeeded
from sync.server.console.headers import SecurityHeaders
from sync.server.console.paths import SIGN_IN, safe_next
from sync.server.console.rendering import render, template_environment
from sync.server.console.sessions import ConsoleSessions, SessionRules
from sync.server.errors import ServerError
from sync.server.people import Accounts
from sync.server.services import Services

logger = logging.getLogger("sync.server.console")

PAGES: tuple[Callable[[], APIRouter], ...] = (
    sign_in.routes,
    review_page.routes,
    fleet_page.routes,
    turns_page.routes,
    report_page.routes,
    kill_switch_page.routes,
    releases_page.routes,
    knowledge_page.routes,
    evaluations_page.routes,
    drift_page.routes,
)
"""Each page module's routes; a new page adds its ``routes`` here."""


def console_app(services: Services, *, accounts: Accounts | None = None) -> FastAPI:
    """The console on the service's parts.

    Args:
        services: The service layer (the CLI's too).
        accounts: The people who may sign in (default: on the services'
            storage, argon2's default parameters).
    """
    settings = services.settings
    accounts = accounts or Accounts(services.storage, clock=services.clock)
    rules = SessionRules(
        idle=timedelta(minutes=settings.console_idle_minutes),
        absolute=timedelta(hours=settings.console_absolute_hours),
        failures=settings.console_sign_in_failures,
        window=timedelta(minutes=settings.console_sign_in_window_minutes),
    )
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.console = Console(
        services=services,
        accounts=accounts,
        sessions=ConsoleSessions(
            services.storage, accounts, clock=services.clock, rules=rules
        ),
        templates=template_environment(),
    )
    for page in PAGES:
        app.include_router(page())
    app.mount(
        "/static",
        StaticFiles(directory=str(files("sync.server.console") / "static")),
        name="static",
    )
    app.add_middleware(SecurityHeaders)
    _error_pages(app)
    threading.Thread(target=charts.warm, name="console-charts", daemon=True).start()
    return app


def _error_pages(app: FastAPI) -> None:
    async def sign_in_needed(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        query = urlencode({"next": safe_next(exc.wanted)})
        return RedirectResponse(f"{SIGN_IN}?{query}", status_code=303)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServerError)
        return _error(request, exc.http_status, exc.title or "Refused", exc.message)

    async def invalid(request: Request, _: Exception) -> Response:
        return _error(
            request, 422, "Not understood", "The request is not valid; go back."
        )

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        title = {404: "Not found", 405: "Not allowed here"}.get(exc.status_code)
        return _error(
            request, exc.status_code, title or "Refused", "There is no such page."
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unexpected failure in the console", exc_info=exc)
        return _error(
            request, 500, "Failed", "The console failed; the error is logged."
        )

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(ServerError, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, unexpected)


def _error(request: Request, status: int, title: str, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )
