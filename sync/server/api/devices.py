"""The device endpoints: enrol, push, pull, journal, evaluation reports and
suites (see
:mod:`sync.protocol`).

Each route reads the raw body first, because the signature covers its exact
bytes: size limits (413) and the body timeout (408), then the signature (401),
then the batch limits (413, nothing applied), then the JSON and the protocol's
model (422, see :mod:`sync.server.api.bodies`). Only then does the request
take a place in its pool (429 when full, see :mod:`sync.server.admission`):
the devices' for a signed request, the unsigned one for an enrolment.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sync.auth import reply_signature
from sync.evaluation_protocol import (
    EvaluationReport,
    ReportReceipt,
    SuiteDownload,
    SuiteRequest,
)
from sync.protocol import (
    API_PREFIX,
    MAX_REPORT_BYTES,
    NONCE_HEADER,
    REPLY_SIGNATURE_HEADER,
    EnrollRequest,
    EnrollResponse,
    JournalRequest,
    JournalResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.server.api.bodies import SMALL_BODY, parse_body, read_body
from sync.server.records import DeviceRecord
from sync.server.services import Services


def device_routes(services: Services) -> APIRouter:
    """The router of the device API, bound to one app's services."""
    router = APIRouter(prefix=API_PREFIX, tags=["devices"])
    settings = services.settings

    async def read(request: Request, limit: int) -> bytes:
        return await read_body(
            request,
            limit,
            timeout=settings.body_timeout_seconds,
            admission=services.admission,
        )

    @router.post(
        "/enroll", response_model=EnrollResponse, openapi_extra=_body(EnrollRequest)
    )
    async def enroll(request: Request) -> EnrollResponse:
        """Enrol a device with a single-use token (the only unsigned device call)."""
        body = await read(request, SMALL_BODY)
        parsed = parse_body(EnrollRequest, body)
        with services.admission.unsigned.slot():
            return await run_in_threadpool(services.enrolment.enrol, parsed)

    @router.post("/push", response_model=PushResponse, openapi_extra=_body(PushRequest))
    async def push(request: Request) -> Response:
        """Push queued actions and traces; one result per action."""
        body = await read(request, settings.max_batch_bytes)
        device = await _authenticated(services, request, body)
        parsed = parse_body(PushRequest, body, limit=settings.max_batch_actions)
        with services.admission.devices.slot():
            result = await run_in_threadpool(
                services.reconciler.push, device.device_id, parsed
            )
        return _signed_reply(result, device, request)

    @router.post("/pull", response_model=PullResponse, openapi_extra=_body(PullRequest))
    async def pull(request: Request) -> Response:
        """Results since the cursor, and whatever the centre has newer."""
        body = await read(request, SMALL_BODY)
        device = await _authenticated(services, request, body)
        parsed = parse_body(PullRequest, body)
        with services.admission.devices.slot():
            result = await run_in_threadpool(
                services.puller.pull, device.device_id, parsed
            )
        # Without a release the field is left out: older apps refuse fields
        # they do not know.
        unsaid = {"release"} if result.release is None else None
        return _signed_reply(result, device, request, exclude=unsaid)

    @router.post(
        "/journal", response_model=JournalResponse, openapi_extra=_body(JournalRequest)
    )
    async def journal(request: Request) -> Response:
        """Turns and decisions since the device's cursor; stored once each."""
        body = await read(request, settings.max_batch_bytes)
        device = await _authenticated(services, request, body)
        parsed = parse_body(JournalRequest, body)
        with services.admission.devices.slot():
            result = await run_in_threadpool(services.journal.record, device, parsed)
        return _signed_reply(result, device, request)

    @router.post(
        "/evaluation-reports",
        response_model=ReportReceipt,
        openapi_extra=_body(EvaluationReport),
    )
    async def evaluation_report(request: Request) -> Response:
        """An evaluation report from the depot, kept with its SHA-256 and
        the device (and technician) that sent it."""
        body = await read(request, MAX_REPORT_BYTES)
        device = await _authenticated(services, request, body)
        parsed = parse_body(EvaluationReport, body)
        with services.admission.devices.slot():
            result = await run_in_threadpool(
                services.reports.upload, device, body, parsed
            )
        return _signed_reply(result, device, request)

    @router.post(
        "/evaluation-suite",
        response_model=SuiteDownload,
        openapi_extra=_body(SuiteRequest),
    )
    async def evaluation_suite(request: Request) -> Response:
        """A published evaluation suite (the newest, or the version asked
        for), as one archive with its SHA-256; 404 when there is none."""
        body = await read(request, SMALL_BODY)
        device = await _authenticated(services, request, body)
        parsed = parse_body(SuiteRequest, body)
        with services.admission.devices.slot():
            result = await run_in_threadpool(services.suites.download, parsed.version)
        return _signed_reply(result, device, request)

    return router


def _signed_reply(
    model: BaseModel,
    device: DeviceRecord,
    request: Request,
    *,
    exclude: set[str] | None = None,
) -> Response:
    """``model`` as the JSON reply (less ``exclude``), signed for the request
    it answers."""
    content = model.model_dump_json(exclude=exclude).encode("utf-8")
    signature = reply_signature(
        device.secret,
        nonce=request.headers.get(NONCE_HEADER, ""),
        status=200,
        body=content,
    )
    return Response(
        content,
        media_type="application/json",
        headers={REPLY_SIGNATURE_HEADER: signature},
    )


async def _authenticated(
    services: Services, request: Request, body: bytes
) -> DeviceRecord:
    return await run_in_threadpool(
        lambda: services.authenticator.verify(
            method=request.method,
            path=request.url.path,
            headers=request.headers,
            body=body,
        )
    )


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself (it must see the raw bytes)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
