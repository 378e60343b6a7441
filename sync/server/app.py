"""``create_app(settings)``: the FastAPI application of the governance service.

No state lives at module level: each app gets its own storage, services and
background delivery worker, started and stopped with the app's lifespan.
Domain errors become ``{"error": code, "detail": message}`` with their status;
anything unexpected is logged and answered with 500, never a traceback. How
many requests run at once is the routes' business (:mod:`sync.server.admission`):
a request takes a place only once its body is read (and, from a device, its
signature checked).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import API_PREFIX, PROTOCOL_VERSION
from sync.server.api import device_routes, ops_routes
from sync.server.clock import utc_now
from sync.server.connectors import Connector
from sync.server.console import PREFIX as CONSOLE_PREFIX
from sync.server.console import console_app
from sync.server.errors import Overloaded, ServerError
from sync.server.people import Accounts
from sync.server.records import Clock
from sync.server.services import Services, build_services, connector_for
from sync.server.settings import ServerSettings
from sync.server.storage import Storage

logger = logging.getLogger("sync.server")


def create_app(
    settings: ServerSettings,
    *,
    storage: Storage | None = None,
    connector: Connector | None = None,
    clock: Clock = utc_now,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """Build the service's app.

    Args:
        settings: The process's settings.
        storage: An open storage (default: opened from the settings' URL and
            closed with the app).
        connector: Where applied actions go (default: from the settings).
        clock: The service's clock.
        password_hasher: How the console checks people's passwords
            (default: argon2's default parameters).

    Raises:
        StorageUnavailable: the database cannot be reached.
        ConfigInvalid: the settings cannot work.
    """
    connector = connector or connector_for(settings)
    owned = storage is None
    storage = storage or Storage.open(settings.resolved_database_url())
    services = build_services(settings, storage, clock=clock, connector=connector)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.start_delivery_worker:
            services.delivery.start()
        try:
            yield
        finally:
            services.delivery.stop()
            services.connector.close()
            if owned:
                storage.close()

    app = FastAPI(
        title="Edge governance service",
        version=f"{PROTOCOL_VERSION}",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    app.include_router(device_routes(services))
    app.include_router(ops_routes(services))
    accounts = Accounts(storage, clock=clock, hasher=password_hasher)
    app.mount(CONSOLE_PREFIX, console_app(services, accounts=accounts), name="console")
    _handle_errors(app)
    return app


def services_of(app: FastAPI) -> Services:
    """The services an app was built with (tests and the CLI use it)."""
    services: Services = app.state.services
    return services


def error_response(exc: ServerError) -> JSONResponse:
    headers = (
        {"Retry-After": str(exc.retry_after)} if isinstance(exc, Overloaded) else None
    )
    return JSONResponse(
        {"error": exc.code, "detail": exc.message},
        status_code=exc.http_status,
        headers=headers,
    )


def _handle_errors(app: FastAPI) -> None:
    async def domain(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServerError)
        return error_response(exc)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid_request", "detail": "The request is not valid."},
            status_code=422,
        )

    async def http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            {"error": code, "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected failure", exc_info=exc)
        return JSONResponse(
            {"error": "internal", "detail": "The service failed; the error is logged."},
            status_code=500,
        )

    app.add_exception_handler(ServerError, domain)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, unexpected)
