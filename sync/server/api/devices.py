"""The device endpoints: enrol, push, pull, journal (see :mod:`sync.protocol`).

Push and pull read the raw body first, because the signature covers its exact
bytes: size limits (413), then the signature (401), then the batch limits
(413, nothing applied), then the protocol's model (422).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from sync.auth import reply_signature
from sync.protocol import (
    API_PREFIX,
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
from sync.server.errors import BatchRefused, RequestInvalid
from sync.server.records import DeviceRecord
from sync.server.services import Services

M = TypeVar("M", bound=BaseModel)


def device_routes(services: Services) -> APIRouter:
    """The router of the device API, bound to one app's services."""
    router = APIRouter(prefix=API_PREFIX, tags=["devices"])
    settings = services.settings

    @router.post(
        "/enroll", response_model=EnrollResponse, openapi_extra=_body(EnrollRequest)
    )
    async def enroll(request: Request) -> EnrollResponse:
        """Enrol a device with a single-use token (the only unsigned device call)."""
        body = await _read_body(request, 64 * 1024)
        parsed = _parse(EnrollRequest, body)
        return await run_in_threadpool(services.enrolment.enrol, parsed)

    @router.post("/push", response_model=PushResponse, openapi_extra=_body(PushRequest))
    async def push(request: Request) -> Response:
        """Push queued actions and traces; one result per action."""
        body = await _read_body(request, settings.max_batch_bytes)
        device = await _authenticated(services, request, body)
        parsed = _parse(PushRequest, body, limit=settings.max_batch_actions)
        result = await run_in_threadpool(
            services.reconciler.push, device.device_id, parsed
        )
        return _signed_reply(result, device, request)

    @router.post("/pull", response_model=PullResponse, openapi_extra=_body(PullRequest))
    async def pull(request: Request) -> Response:
        """Results since the cursor, and whatever the centre has newer."""
        body = await _read_body(request, 64 * 1024)
        device = await _authenticated(services, request, body)
        parsed = _parse(PullRequest, body)
        result = await run_in_threadpool(services.puller.pull, device.device_id, parsed)
        return _signed_reply(result, device, request)

    @router.post(
        "/journal", response_model=JournalResponse, openapi_extra=_body(JournalRequest)
    )
    async def journal(request: Request) -> Response:
        """Turns and decisions since the device's cursor; stored once each."""
        body = await _read_body(request, settings.max_batch_bytes)
        device = await _authenticated(services, request, body)
        parsed = _parse(JournalRequest, body)
        result = await run_in_threadpool(services.journal.record, device, parsed)
        return _signed_reply(result, device, request)

    return router


def _signed_reply(model: BaseModel, device: DeviceRecord, request: Request) -> Response:
    """``model`` as the JSON reply, signed for the request it answers."""
    content = model.model_dump_json().encode("utf-8")
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


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> BatchRefused:
    return BatchRefused(
        f"The request is larger than {limit} bytes; send smaller batches. Nothing "
        "was applied."
    )


def _parse(model: type[M], body: bytes, *, limit: int | None = None) -> M:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestInvalid("The request body is not JSON.") from exc
    if limit is not None and isinstance(data, dict):
        for field in ("actions", "links"):
            items = data.get(field)
            if isinstance(items, list) and len(items) > limit:
                raise BatchRefused(
                    f"The push holds {len(items)} {field}; at most {limit} go in one "
                    "batch. Nothing was applied."
                )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise RequestInvalid(
            f"The request does not follow the protocol: {where}: {first['msg']}."
        ) from exc


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself (it must see the raw bytes)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
