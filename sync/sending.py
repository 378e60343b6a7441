"""One call to the centre: POST a JSON body, parse the reply as a wire model,
and turn every failure into a :class:`~sync.errors.SyncError`
(:mod:`sync.http_failures`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.errors import CentreUnreachable, SyncUnavailable
from sync.http_failures import KEPT, certificate_refused, error_for, not_trusted
from sync.outbox.models import Clock

Reply = TypeVar("Reply", bound=BaseModel)


def send(
    http: httpx.Client,
    path: str,
    content: bytes,
    reply: type[Reply],
    *,
    clock: Clock,
    sign: Callable[[httpx.Request], None] | None = None,
    verify: Callable[[httpx.Response], None] | None = None,
) -> Reply:
    """POST ``content`` as JSON to ``path``; parse the reply as ``reply``.

    ``verify`` checks a successful reply once it parses (it raises when the
    reply is not authentic), before anything of it is returned.

    Raises:
        SyncError: a subclass for every failure, as in the table of
            :mod:`sync.http_failures`.
    """
    where = address_of(http, path)
    try:
        request = http.build_request(
            "POST", path, content=content, headers={"Content-Type": "application/json"}
        )
        if sign is not None:
            sign(request)
        response = http.send(request)
    except httpx.ConnectError as exc:
        refused = certificate_refused(exc)
        if refused is not None:
            raise not_trusted(refused, where) from exc
        raise CentreUnreachable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Offline",
        ) from exc
    except httpx.ConnectTimeout as exc:
        raise CentreUnreachable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Offline",
        ) from exc
    except httpx.TimeoutException as exc:
        raise SyncUnavailable(
            f"The centre at {where} did not answer in time. {KEPT} Try again later.",
            title="Central service not answering",
        ) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SyncUnavailable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Central service unreachable",
        ) from exc
    if response.status_code >= 300:
        raise error_for(response, where, now=clock())
    parsed = _parsed(response, reply, where)
    if verify is not None:
        verify(response)
    return parsed


def _parsed(response: httpx.Response, reply: type[Reply], where: str) -> Reply:
    try:
        return reply.model_validate_json(response.content)
    except ValidationError as exc:
        kind = response.headers.get("Content-Type", "no content type")
        raise SyncUnavailable(
            f"The server at {where} answered, but not with a sync reply "
            f"({response.status_code}, {kind}: {first_problem(exc)}). Check the "
            f"server address; if it is right, try again later. {KEPT}",
            title="Unexpected reply",
            status_code=response.status_code,
        ) from exc


def first_problem(exc: ValidationError) -> str:
    """Where and what the first problem of a validation error is."""
    errors = exc.errors()
    if not errors:
        return "invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def address_of(http: httpx.Client, path: str) -> str:
    """The centre's address for messages (``path`` when the client has none)."""
    return str(http.base_url).rstrip("/") or path
