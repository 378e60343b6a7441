"""The depot's side of a browser test, next to a served centre: its services
opened on the same SQLite file and keys (accounts, enrolment tokens, the
review queue), and a device that enrols and pushes over HTTP with signed
requests, so what it sends is exactly what the test chose.

    depot = Depot.beside(centre)
    depot.add_person("sam", "supervisor")
    device = LiveDevice.enrol(centre.url, depot.token(), "dev-xss-0001")
    device.hold(evidence={"ocr_text": "<script>alert(1)</script>"})
    device.push()
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from argon2 import PasswordHasher

from policies import evaluate, load_policy_dir, request_for_call
from policies.defaults import SOURCE_DIR
from sync import ActionState, Outbox, payload_hash
from sync.auth import signed_headers
from sync.enrolment_binding import binding_key, device_secret, enrol_request
from sync.protocol import PullRequest, PushRequest, WireTrace
from sync.server.people import Accounts
from sync.server.publishing import Publisher
from sync.server.records import ReviewFilter
from sync.server.services import Services, build_services
from sync.server.settings import ServerSettings
from sync.server.storage import Storage
from tests.browser.centre import Centre
from tests.sync.server.support import BIG_ORDER, wire_action

PASSWORD = "browser-test-password"
"""Every test account's password."""
TECHNICIAN = "ann"


def now() -> datetime:
    """The real time: a served centre checks signatures against it."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Depot:
    """The centre's services, in this process, on a served centre's storage."""

    centre: Centre
    services: Services
    accounts: Accounts

    @classmethod
    @contextmanager
    def beside(cls, centre: Centre) -> Iterator[Depot]:
        """Open the services on ``centre``'s files; the default policy is
        published if none is."""
        settings = ServerSettings(
            data_dir=centre.data_dir,
            database_url=centre.database_url,
            keys_dir=centre.keys_dir,
            start_delivery_worker=False,
        )
        storage = Storage.open(centre.database_url)
        try:
            services = build_services(settings, storage, clock=now)
            cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
            depot = cls(centre, services, Accounts(storage, clock=now, hasher=cheap))
            Publisher(storage, services.keys, clock=now).publish_policy_dir(
                SOURCE_DIR, expires_in=timedelta(days=30), actor="test"
            )
            yield depot
        finally:
            storage.close()

    def add_person(self, username: str, role: str) -> tuple[str, str]:
        """A console account (name, password); argon2 at its lowest cost."""
        self.accounts.add(username, role, PASSWORD, actor="test")
        return username, PASSWORD

    def token(self, technician: str | None = TECHNICIAN) -> str:
        """A single-use enrolment token (for any technician when ``None``)."""
        issued = self.services.enrolment.issue(
            expires_in=timedelta(hours=1), technician_id=technician, actor="test"
        )
        return issued.token

    def held_keys(self, device_id: str) -> list[str]:
        """Keys of the device's actions waiting for review, oldest first."""
        pending = self.services.review.pending(ReviewFilter(device_id=device_id))
        return [item.key for item in pending]


class LiveDevice:
    """An enrolled device with a real outbox, signing its requests to a
    served centre with the real time."""

    _nonces = itertools.count()

    def __init__(
        self, url: str, device_id: str, secret: str, technician: str = TECHNICIAN
    ) -> None:
        self.url = url
        self.technician = technician
        self.device_id = device_id
        self.secret = secret
        self.outbox = Outbox.open(
            sqlite3.connect(":memory:"), device_id=device_id, clock=now
        )

    @classmethod
    def enrol(
        cls, url: str, token: str, device_id: str, technician: str = TECHNICIAN
    ) -> LiveDevice:
        request = enrol_request(
            token, device_name="laptop", technician_id=technician, device_id=device_id
        )
        reply = httpx.post(f"{url}/v1/enroll", json=request.model_dump(), timeout=30)
        reply.raise_for_status()
        body = reply.json()
        secret = device_secret(binding_key(token), body["secret_seed"])
        return cls(url, body["device_id"], secret, technician)

    def hold(
        self,
        args: Mapping[str, Any] = BIG_ORDER,
        *,
        reasons: tuple[str, ...] = (),
        evidence: Mapping[str, Any] | None = None,
    ) -> str:
        """Queue an order the default policy holds for a supervisor, with
        extra reasons in the device's decision and the evidence given."""
        policy = load_policy_dir(SOURCE_DIR).with_version(1)
        request = request_for_call(
            policy,
            tool="order_part",
            args=args,
            technician_id=self.technician,
            role="technician",
        )
        decision = evaluate(policy, request).as_dict()
        decision["reasons"] = [*decision.get("reasons", ()), *reasons]
        payload = {"tool": "order_part", "args": dict(args)}
        action = self.outbox.enqueue(
            tool="order_part",
            action_type="order",
            payload=payload,
            decision=decision,
            confirmation={
                "technician_id": self.technician,
                "payload_hash": payload_hash(payload),
                "bundle_version": decision["bundle_version"],
                "confirmed_at": now().isoformat(),
            },
            evidence={"kb_version": "1", **(evidence or {})},
            trace={
                "trace_id": f"trace-{self.device_id}-{action_count(self.outbox)}",
                "name": "propose",
                "spans": [],
            },
            state=ActionState.AWAITING_APPROVAL,
        )
        return action.key

    def push(self) -> httpx.Response:
        """Send every queued action."""
        pending = self.outbox.pending(500)
        request = PushRequest(
            actions=[wire_action(p.action) for p in pending],
            traces=[WireTrace(**p.trace.as_dict()) for p in pending],
        )
        return self.post("/v1/push", request.model_dump_json().encode())

    def push_turn(self, trace: Mapping[str, Any]) -> httpx.Response:
        """Send one turn's trace (as the app records it) with no action."""
        spans = trace["spans"]
        wire = WireTrace(
            trace_id=trace["trace_id"],
            name=trace["name"],
            start_ns=min(span["start_ns"] for span in spans),
            end_ns=max(span["end_ns"] for span in spans),
            spans=list(spans),
        )
        request = PushRequest(actions=[], traces=[wire])
        return self.post("/v1/push", request.model_dump_json().encode())

    def pull(self) -> httpx.Response:
        return self.post("/v1/pull", PullRequest().model_dump_json().encode())

    def signed(self, method: str, path: str, body: bytes = b"") -> dict[str, str]:
        """The headers that sign one request as this device."""
        return signed_headers(
            self.device_id,
            self.secret,
            method=method,
            path=path,
            body=body,
            timestamp=str(time.time()),
            nonce=f"browser-{next(self._nonces):08d}-{self.device_id}",
        )

    def post(self, path: str, body: bytes) -> httpx.Response:
        headers = {**self.signed("POST", path, body)}
        headers["Content-Type"] = "application/json"
        return httpx.post(self.url + path, content=body, headers=headers, timeout=30)


def action_count(outbox: Outbox) -> int:
    return sum(outbox.count_by_state().values())
