"""Operations endpoints: health and metrics (unsigned; no device data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sync.protocol import API_PREFIX, PROTOCOL_VERSION
from sync.server.errors import ServerError
from sync.server.services import Services
from sync.server.storage import figures


def ops_routes(services: Services) -> APIRouter:
    """The router of the health and metrics endpoints."""
    router = APIRouter(prefix=API_PREFIX, tags=["operations"])

    @router.get("/health")
    async def health() -> JSONResponse:
        """Whether the process and its database answer."""
        try:
            version = await run_in_threadpool(services.storage.schema_version)
        except ServerError as exc:
            return JSONResponse(
                {"status": "unavailable", "detail": exc.message}, status_code=503
            )
        return JSONResponse(
            {
                "status": "ok",
                "protocol_version": PROTOCOL_VERSION,
                "schema_version": version,
                "database": services.storage.dialect,
            }
        )

    @router.get("/metrics")
    async def metrics() -> dict[str, Any]:
        """Queue depths, push and apply latency, quarantine rates, refusals.

        ``quarantine_rate`` covers this process's pushes since it started;
        ``quarantined_now_rate`` is the share of stored actions quarantined now.
        """

        def read() -> dict[str, int]:
            with services.storage.read() as connection:
                return figures.queue_depths(connection)

        depths = await run_in_threadpool(read)
        decided = sum(depths[s] for s in ("applied", "quarantined", "rejected"))
        stored_rate = round(depths["quarantined"] / decided, 4) if decided else 0.0
        return {
            "queues": depths,
            "quarantined_now_rate": stored_rate,
            **services.metrics.snapshot(),
        }

    return router
