"""Running the same request again finds the action it recorded.

A command killed after the outbox committed its action, but before it
printed, leaves the caller not knowing whether the action was recorded; run
again, it must not record a second one. So each request recorded by hand is
stored with the action: the caller's own idempotency key, if it gave one,
and a hash of the request (tool, arguments as given, technician).

- With a key: the key names one action for good. The same key again finds
  that action (even once the centre settled it and the device pruned it), and
  records nothing; the same key for another request is refused.
- Without a key: an identical request recorded in the last
  :data:`RETRY_WINDOW`, and not cancelled, is taken as the same request run
  again. A second identical action on purpose is asked for with ``again``.

The check is made again inside the transaction that records the action, so
two runs at once still record one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edge_agent.errors import ProposalError
from sync import ActionState, Outbox, OutboxReader, QueuedAction, canonical_json

RETRY_WINDOW = timedelta(minutes=10)
"""How long an identical request without a key is taken as a retry."""

MAX_KEY_CHARS = 200

NOT_CANCELLED = frozenset(ActionState) - {ActionState.CANCELLED}


@dataclass(frozen=True, slots=True)
class RequestIdentity:
    """What names one request made by hand.

    Attributes:
        key: The caller's idempotency key, if it gave one.
        request_hash: SHA-256 of the request: tool, arguments, technician.
    """

    key: str | None
    request_hash: str


@dataclass(frozen=True, slots=True)
class Earlier:
    """An action the same request recorded before.

    Attributes:
        seq: Its sequence number.
        action: The action, or ``None`` when it was pruned since.
        by_key: Found by the caller's key (else as an identical recent request).
    """

    seq: int
    action: QueuedAction | None
    by_key: bool


def request_identity(
    tool: str, args: Mapping[str, Any], technician_id: str, key: str | None = None
) -> RequestIdentity:
    """The identity of a request to call ``tool`` with ``args``.

    Raises:
        ProposalError: ``key`` is empty, too long or not printable.
    """
    if key is not None and (
        not key.strip() or len(key) > MAX_KEY_CHARS or not key.isprintable()
    ):
        raise ProposalError(
            f"An idempotency key is 1 to {MAX_KEY_CHARS} printable characters.",
            tool=tool,
            field="idempotency_key",
        )
    request = {"tool": tool, "args": dict(args), "technician": technician_id}
    try:
        encoded = canonical_json(request)
    except (TypeError, ValueError) as exc:
        raise ProposalError(
            f"The arguments are not plain JSON ({exc}).", tool=tool, field="args"
        ) from exc
    return RequestIdentity(key, hashlib.sha256(encoded).hexdigest())


def recorded_before(
    outbox: OutboxReader, request: RequestIdentity, *, now: datetime, again: bool
) -> Earlier | None:
    """The action this request recorded before, if it did.

    Raises:
        ProposalError: the key was used for another request.
    """
    if request.key is not None:
        found = outbox.recorded_request(request.key)
        if found is None:
            return None
        if found.request_hash not in (None, request.request_hash):
            raise ProposalError(
                f"The idempotency key {request.key!r} was used for another request "
                f"(action {found.seq}); nothing was recorded. Use a new key.",
                field="idempotency_key",
            )
        return Earlier(found.seq, found.action, by_key=True)
    if again:
        return None
    action = outbox.latest_request(
        request.request_hash, since=now - RETRY_WINDOW, states=NOT_CANCELLED
    )
    return None if action is None else Earlier(action.seq, action, by_key=False)


def record_once(
    outbox: Outbox,
    request: RequestIdentity,
    record: Callable[[], QueuedAction],
    *,
    now: datetime,
    again: bool,
) -> QueuedAction | Earlier:
    """Record the action with ``record`` unless the request did before.

    Both the check and the record are made in one transaction, with the
    request stored with the action.

    Returns:
        The new action, or what the request recorded before.
    """
    with outbox.atomic():
        earlier = recorded_before(outbox, request, now=now, again=again)
        if earlier is not None:
            return earlier
        action = record()
        return outbox.bind_request(
            action.key, request_key=request.key, request_hash=request.request_hash
        )
