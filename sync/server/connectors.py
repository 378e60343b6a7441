"""Outbound connectors: where an applied action goes (work-order system, ERP ...).

A connector gets each applied action at least once, with its idempotency key
(``device_id:key``) so the receiver can drop repeats. A failure raises
:class:`~sync.server.errors.DeliveryFailed`; the delivery worker keeps the
action and tries again later, so a failing connector never loses one.

- :class:`RecordingConnector` keeps deliveries in memory: the default, and the
  seam tests use (it can be told to fail).
- :class:`WebhookConnector` POSTs JSON to a URL with retries and exponential
  backoff, and an HMAC-SHA256 of the body when it has a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from policies.encoding import canonical_json
from sync.server.errors import DeliveryFailed

DELIVERY_HEADER = "X-Edge-Delivery"
"""The idempotency key of a delivery: ``<device id>:<action key>``."""
WEBHOOK_SIGNATURE_HEADER = "X-Edge-Webhook-Signature"
"""``sha256=<hex HMAC of the body>`` when the webhook has a secret."""


@dataclass(frozen=True, slots=True)
class AppliedAction:
    """An action the centre applied, as connectors receive it.

    Attributes:
        device_id: The device that recorded it.
        technician_id: The technician it was recorded for.
        key: Its idempotency key on the device.
        seq: Its sequence number on the device.
        tool: The tool it calls.
        action_type: The kind of change.
        payload: ``{"tool", "args"}``.
        evidence: What justified it (cited chunks, OCR codes, KB version ...).
        decision: The centre's decision that applied it.
        approved_by: The supervisor who approved it, if one did.
    """

    device_id: str
    technician_id: str
    key: str
    seq: int
    tool: str
    action_type: str
    payload: Mapping[str, Any]
    evidence: Mapping[str, Any]
    decision: Mapping[str, Any] | None
    approved_by: str | None = None

    @property
    def delivery_id(self) -> str:
        return f"{self.device_id}:{self.key}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "device_id": self.device_id,
            "technician_id": self.technician_id,
            "key": self.key,
            "seq": self.seq,
            "tool": self.tool,
            "action_type": self.action_type,
            "payload": dict(self.payload),
            "evidence": dict(self.evidence),
            "decision": None if self.decision is None else dict(self.decision),
            "approved_by": self.approved_by,
        }


class Connector(Protocol):
    """Hands an applied action to the system that carries it out."""

    name: str

    def deliver(self, action: AppliedAction) -> None:
        """Deliver one action.

        Raises:
            DeliveryFailed: it was not delivered (``retryable`` says whether
                a later attempt may succeed).
        """

    def close(self) -> None:
        """Release what the connector holds (connections); called at shutdown."""


class RecordingConnector:
    """Keeps every delivery in memory; ``fail_next`` makes the next calls fail."""

    name = "recording"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._delivered: list[AppliedAction] = []
        self.fail_next = 0

    @property
    def delivered(self) -> list[AppliedAction]:
        with self._lock:
            return list(self._delivered)

    def close(self) -> None:
        return None

    def deliver(self, action: AppliedAction) -> None:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise DeliveryFailed("The recording connector was told to fail.")
            self._delivered.append(action)


class WebhookConnector:
    """POSTs each applied action as JSON, retrying what may pass later.

    Args:
        client: The HTTP client (its timeouts apply).
        url: The receiving endpoint.
        secret: Signs each body with HMAC-SHA256 when given.
        attempts: Tries per delivery before giving up for now.
        backoff_seconds: Wait before the second try; doubles after each.
        sleep: Waits between tries (tests pass a recorder).
    """

    name = "webhook"

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        *,
        secret: str | None = None,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._url = url
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def deliver(self, action: AppliedAction) -> None:
        body = canonical_json(action.as_dict())
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: action.delivery_id,
        }
        if self._secret:
            digest = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
            headers[WEBHOOK_SIGNATURE_HEADER] = f"sha256={digest}"
        last = DeliveryFailed("The webhook was not tried.")
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            failure = self._try(body, headers)
            if failure is None:
                return
            last = failure
            if not failure.retryable:
                break
        raise last

    def _try(self, body: bytes, headers: dict[str, str]) -> DeliveryFailed | None:
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryFailed(
                f"The webhook cannot be reached ({type(exc).__name__})."
            )
        if response.is_success:
            return None
        retryable = response.status_code >= 500 or response.status_code in (408, 429)
        return DeliveryFailed(
            f"The webhook answered {response.status_code}.", retryable=retryable
        )
