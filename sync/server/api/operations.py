"""Operations endpoints: health and metrics (unsigned; no device data).

Health takes no place in any pool, so it answers while the service is full and
says so; metrics read the database and take a place in the unsigned pool.
"""

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
        """Whether the process and its database answer, and how busy it is.

        ``status`` is ``ok``, ``degraded`` (200: every device slot is taken,
        so device requests get 429 until one is free) or ``unavailable``
        (503: the database does not answer). Health checks take no slot.
        """
        admission = services.admission
        try:
            version = await run_in_threadpool(services.storage.schema_version)
        except ServerError as exc:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "detail": exc.message,
                    **admission.snapshot(),
                },
                status_code=503,
            )
        return JSONResponse(
            {
                "status": "degraded" if admission.devices.full else "ok",
                "protocol_version": PROTOCOL_VERSION,
                "schema_version": version,
                "database": services.storage.dialect,
                **admission.snapshot(),
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

        with services.admission.unsigned.slot():
            depths = await run_in_threadpool(read)
        decided = sum(depths[s] for s in ("applied", "quarantined", "rejected"))
        stored_rate = round(depths["quarantined"] / decided, 4) if decided else 0.0
        return {
            "queues": depths,
            "quarantined_now_rate": stored_rate,
            **services.metrics.snapshot(),
            **services.admission.snapshot(),
        }

    return router
