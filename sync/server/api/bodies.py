"""Request bodies as the device routes take them: JSON a device could have sent.

A body larger than its route's limit is refused with 413 as soon as that is
known; a body that has not fully arrived within the body timeout gets 408 (so
a client that sends slowly cannot hold the service).

A body is refused with 422 ``invalid_request`` (nothing read from it is
applied) when it is not JSON, nests arrays and objects deeper than
:data:`~sync.protocol.MAX_JSON_DEPTH`, holds NaN or Infinity (or a number too
large to be finite), a whole number beyond 64 bits
(:data:`~sync.protocol.MAX_BIG_INT`), or text that is not Unicode (a lone
surrogate escape), and then when it does not follow its protocol model, whose
fields carry the bounds of the centre's columns.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypeVar

import anyio
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request

from sync.protocol import MAX_BIG_INT, MAX_JSON_DEPTH
from sync.server.admission import Admission
from sync.server.errors import BatchRefused, BodyTimeout, RequestInvalid

M = TypeVar("M", bound=BaseModel)

SMALL_BODY = 64 * 1024
"""Largest enrolment or pull body, in bytes."""

_SURROGATE = re.compile("[\ud800-\udfff]")


async def read_body(
    request: Request, limit: int, *, timeout: float, admission: Admission
) -> bytes:
    """The request's body, at most ``limit`` bytes, within ``timeout`` seconds.

    Raises:
        BatchRefused: the body is (or says it is) larger than ``limit``.
        BodyTimeout: it did not arrive in time.
        RequestInvalid: the client went away before it arrived.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    try:
        with admission.receiving_body(), anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError as exc:
        raise BodyTimeout(
            f"The request's body did not arrive within {timeout:g} s; nothing was "
            "applied. Send it again."
        ) from exc
    except ClientDisconnect as exc:
        raise RequestInvalid(
            "The connection closed before the request's body arrived."
        ) from exc
    return b"".join(chunks)


def _too_large(limit: int) -> BatchRefused:
    return BatchRefused(
        f"The request is larger than {limit} bytes; send smaller batches. Nothing "
        "was applied."
    )


class _Unreadable(ValueError):
    """A value no device sends; the message says which."""


def parse_body(model: type[M], body: bytes, *, limit: int | None = None) -> M:
    """The body as ``model``; ``limit`` bounds its ``actions`` and ``links``.

    Raises:
        RequestInvalid: the body is not JSON a device could send, or does not
            follow the model.
        BatchRefused: more than ``limit`` actions or links.
    """
    data = parse_json(body)
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
        where = ".".join(str(part) for part in first["loc"])[:200] or "body"
        raise RequestInvalid(
            f"The request does not follow the protocol: {where}: {first['msg']}."
        ) from exc


def parse_json(body: bytes) -> Any:
    """The body's JSON value, checked for what no device sends.

    Raises:
        RequestInvalid: it is not JSON, or holds such a value.
    """
    try:
        data = json.loads(
            body,
            parse_constant=_no_constant,
            parse_float=_finite,
            parse_int=_bounded,
        )
    except _Unreadable as exc:
        raise RequestInvalid(f"The request body {exc}.") from exc
    except RecursionError as exc:
        raise _too_deep() from exc
    except ValueError as exc:  # UnicodeDecodeError is one
        raise RequestInvalid("The request body is not JSON.") from exc
    _check_shape(data)
    return data


def _no_constant(name: str) -> Any:
    raise _Unreadable(f"holds {name}, which is not a number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Unreadable(f"holds the number {text[:40]}, too large to be finite")
    return value


def _bounded(text: str) -> int:
    value = int(text)
    if not -MAX_BIG_INT - 1 <= value <= MAX_BIG_INT:
        raise _Unreadable(
            f"holds the whole number {text[:40]}, beyond 64 bits ({MAX_BIG_INT})"
        )
    return value


def _check_shape(data: Any) -> None:
    """Refuse nesting deeper than allowed and text that is not Unicode."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
            continue
        if isinstance(value, dict):
            items = list(value.values())
            for key in value:
                _check_text(key)
        elif isinstance(value, list):
            items = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        stack.extend((item, depth + 1) for item in items)


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise RequestInvalid(
            "The request body holds text that is not Unicode (a lone surrogate)."
        )


def _too_deep() -> RequestInvalid:
    return RequestInvalid(
        f"The request body nests arrays and objects deeper than {MAX_JSON_DEPTH} "
        "levels."
    )
