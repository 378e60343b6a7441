"""Load group: a fleet of simulated devices syncing at once against the real
service: one process on SQLite, and two processes on one PostgreSQL (the
devices spread over both, as a load balancer would).

Each device is enrolled for real (``/v1/enroll`` with a token, its secret
derived from the reply as the device derives it) and holds a real outbox
file of recorded actions (decided, confirmed, each with its trace). An
asyncio httpx load generator then runs every device at once: each sync
pushes one batch and pulls until no more results, requests built and signed
with the device's own code (:mod:`sync.wire`, :mod:`sync.auth`) and every
reply's signature checked. A 429 is waited out as its ``Retry-After`` says
and sent again (counted, not an error); a lost connection is sent again up
to four tries in all, as the device's own run does (counted apart); any
other non-2xx, a connection lost four times or an unauthenticated reply is
an error.

Figures per fleet: actions and syncs per second, p50/p95/p99 latency of a
push and of a pull (each 2xx request, measured by the generator, which runs
on the same machine), seconds per sync (its retries included), 429s; and
how throughput and latency grow from the smallest fleet to the largest.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tests.benchmarks.bench_sync import issue_tokens, record_actions, service
from tests.faults.centre import databases, postgres_available
from tests.faults.report import GroupReport

SIZES: dict[str, dict[str, Any]] = {
    "ci": {"fleets": [10], "syncs": 2, "per_sync": 5},
    "full": {"fleets": [50, 100, 200], "syncs": 3, "per_sync": 10},
}
"""Devices at once, syncs per device, actions pushed per sync."""
PROCESSES = {"sqlite": 1, "postgresql": 2}
SPANS = 3
MAX_429 = 50
"""Retries of one request the centre keeps refusing as busy, then an error."""
TRANSPORT_TRIES = 4
"""Tries of a request whose connection failed, as the device's run makes them."""
WINDOW_S = 30 * 60
"""A depot's morning window, for the devices one process serves in it."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Device:
    """One simulated device: its identity, secret and the pushes it will send."""

    device_id: str
    secret: str = ""
    batches: list[bytes] = field(default_factory=list)
    actions: int = 0


@dataclass
class Tally:
    """What the generator saw."""

    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    sync_s: list[float] = field(default_factory=list)
    results: int = 0
    retried_429: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    transport_retried: Counter[str] = field(default_factory=Counter)


def run(tier: str, work: Path, *, postgres: bool = True) -> GroupReport:
    report = GroupReport("load", tier)
    sizes = SIZES[tier]
    report.figures["sizes"] = sizes
    with ExitStack() as stack:
        dbs = stack.enter_context(databases(stack, work, postgres))
        for backend in dbs["backends"]:
            series = {}
            for count in sizes["fleets"]:
                folder = work / f"{backend}-{count}"
                folder.mkdir()
                figures = fleet(folder, backend, dbs["new"](backend), count, sizes)
                series[count] = figures
                report.figures[f"{backend}_{count}_devices"] = figures
                report.figures[f"{backend} {count}"] = summary(figures)
                label = f"{backend}, {count} devices"
                report.expect_zero(f"{label}: errors", sum(figures["errors"].values()))
                report.expect_zero(
                    f"{label}: not at the centre", figures["not_at_centre"]
                )
                report.expect_zero(f"{label}: applied twice", figures["applied_twice"])
                report.check(
                    f"{label}: a result for every action pushed",
                    figures["results"] == figures["actions"],
                    f"{figures['results']} of {figures['actions']}",
                )
            if len(series) > 1:
                report.figures[f"{backend}_growth"] = growth(series)
        if "postgresql" not in dbs["backends"]:
            report.figures["postgresql"] = "not run: " + (
                postgres_available() or "not asked for"
            )
    return report


def fleet(
    work: Path, backend: str, url: str, count: int, sizes: dict[str, Any]
) -> dict[str, Any]:
    """Record, start the processes, enrol, run every device at once."""
    devices = [Device(f"load-{n:03d}-{uuid.uuid4().hex[:6]}") for n in range(count)]
    per_device = sizes["syncs"] * sizes["per_sync"]
    for n, device in enumerate(devices):
        record_actions(
            work / f"{device.device_id}.db",
            device.device_id,
            f"tech-{n}",
            per_device,
            SPANS,
            n,
        )
        device.batches = push_bodies(work / f"{device.device_id}.db", device, sizes)
    tokens = issue_tokens(url, work / "centre", count)
    processes = PROCESSES[backend]
    with ExitStack() as stack:
        bases = [
            stack.enter_context(
                service(url, work / "centre", work / f"service-{p}.log")
            )
            for p in range(processes)
        ]
        enrol(bases[0], devices, tokens)
        tally = Tally()
        started = time.perf_counter()
        asyncio.run(generate(bases, devices, tally))
        seconds = time.perf_counter() - started
    actions = sum(d.actions for d in devices)
    syncs = count * sizes["syncs"]
    rows, keys = stored(url)
    return {
        "devices": count,
        "processes": processes,
        "actions": actions,
        "syncs": syncs,
        "seconds": round(seconds, 2),
        "actions_per_s": round(actions / seconds, 1),
        "syncs_per_s": round(syncs / seconds, 2),
        "push_ms": percentiles(tally.push_ms),
        "pull_ms": percentiles(tally.pull_ms),
        "sync_s": percentiles(tally.sync_s, scale=1.0, digits=2),
        "retried_429": tally.retried_429,
        "errors": dict(tally.errors),
        "transport_errors_retried": dict(tally.transport_retried),
        "results": tally.results,
        "not_at_centre": actions - keys,
        "applied_twice": rows - keys,
        "devices_one_process_serves_in_30_min": int(
            syncs / seconds / processes * WINDOW_S
        ),
    }


def push_bodies(db: Path, device: Device, sizes: dict[str, Any]) -> list[bytes]:
    """The device's pushes, as its own code builds them from its outbox."""
    from sync import Outbox
    from sync.protocol import PushRequest, WireTrace
    from sync.wire import wire_action

    with closing(Outbox.open(db, device_id=device.device_id)) as outbox:
        pending = outbox.pending(10**6, now=utc_now())
    device.actions = len(pending)
    step = sizes["per_sync"]
    bodies = []
    for start in range(0, len(pending), step):
        batch = pending[start : start + step]
        traces = {item.trace.trace_id: item.trace for item in batch}
        request = PushRequest(
            actions=[wire_action(item) for item in batch],
            traces=[WireTrace(**trace.as_dict()) for trace in traces.values()],
            client_version="load",
            links=[],
        )
        bodies.append(request.model_dump_json().encode("utf-8"))
    return bodies


def enrol(base: str, devices: list[Device], tokens: list[str]) -> None:
    """Enrol each device over HTTP, as ``edge-agent enroll`` does."""
    from sync.client import enroll

    with httpx.Client(base_url=base, timeout=60) as http:
        for n, (device, token) in enumerate(zip(devices, tokens, strict=True)):
            enrolled = enroll(
                http,
                token=token,
                device_name="load",
                technician_id=f"tech-{n}",
                device_id=device.device_id,
                clock=utc_now,
            )
            device.secret = enrolled.secret


# --- the load generator ------------------------------------------------------------


async def generate(bases: list[str], devices: list[Device], tally: Tally) -> None:
    """Every device at once, spread over the processes."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with Clients(bases, limits) as clients:
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(
                device_syncs(clients[n % len(clients)], device, tally, start)
            )
            for n, device in enumerate(devices)
        ]
        start.set()
        await asyncio.gather(*tasks)


class Clients:
    """One async client per process (its connection pool unbounded: each
    simulated device holds its own connection, as a real one would)."""

    def __init__(self, bases: list[str], limits: httpx.Limits) -> None:
        self.clients = [
            httpx.AsyncClient(base_url=base, timeout=120, limits=limits)
            for base in bases
        ]

    async def __aenter__(self) -> list[httpx.AsyncClient]:
        return self.clients

    async def __aexit__(self, *exc_info: object) -> None:
        for client in self.clients:
            await client.aclose()


async def device_syncs(
    client: httpx.AsyncClient, device: Device, tally: Tally, start: asyncio.Event
) -> None:
    """The device's syncs: push a batch, then pull until no more results."""
    from sync.protocol import PullRequest, PullResponse, PushResponse
    from sync.wire import next_pull

    await start.wait()
    pull = PullRequest()
    for body in device.batches:
        began = time.perf_counter()
        reply = await signed_post(client, device, "/v1/push", body, tally)
        if reply is not None:
            tally.results += len(PushResponse.model_validate_json(reply).results)
        for _ in range(100):
            content = pull.model_dump_json().encode("utf-8")
            reply = await signed_post(client, device, "/v1/pull", content, tally)
            if reply is None:
                break
            page = PullResponse.model_validate_json(reply)
            pull = next_pull(pull, page)
            if not page.more_results:
                break
        tally.sync_s.append(time.perf_counter() - began)


async def signed_post(
    client: httpx.AsyncClient, device: Device, path: str, body: bytes, tally: Tally
) -> bytes | None:
    """POST ``body`` signed as the device signs; the reply's body once its
    signature holds, None (an error counted) otherwise."""
    from sync.auth import reply_signature, signature_matches, signed_headers
    from sync.client import signing_timestamp
    from sync.protocol import REPLY_SIGNATURE_HEADER

    latencies = tally.push_ms if path.endswith("push") else tally.pull_ms
    failed = 0
    for _ in range(MAX_429):
        nonce = uuid.uuid4().hex
        headers = signed_headers(
            device.device_id,
            device.secret,
            method="POST",
            path=path,
            body=body,
            timestamp=signing_timestamp(utc_now()),
            nonce=nonce,
        )
        headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            response = await client.post(path, content=body, headers=headers)
        except httpx.TransportError as exc:
            # The device's own run sends again after a lost connection (the
            # push is idempotent); counted apart, an error once tries run out.
            failed += 1
            tally.transport_retried[f"{path}: {type(exc).__name__}"] += 1
            if failed < TRANSPORT_TRIES:
                await asyncio.sleep(random.random())
                continue
            tally.errors[f"{path}: {type(exc).__name__}"] += 1
            return None
        took = (time.perf_counter() - began) * 1000
        if response.status_code == 429:
            tally.retried_429 += 1
            wait = float(response.headers.get("Retry-After", "1"))
            await asyncio.sleep(wait + random.random())
            continue
        if not 200 <= response.status_code < 300:
            tally.errors[f"{path}: {response.status_code}"] += 1
            return None
        expected = reply_signature(
            device.secret,
            nonce=nonce,
            status=response.status_code,
            body=response.content,
        )
        if not signature_matches(
            expected, response.headers.get(REPLY_SIGNATURE_HEADER, "")
        ):
            tally.errors[f"{path}: reply not authentic"] += 1
            return None
        latencies.append(took)
        return response.content
    tally.errors[f"{path}: still 429 after {MAX_429} tries"] += 1
    return None


# --- figures -----------------------------------------------------------------------


def percentiles(
    values: list[float], *, scale: float = 1.0, digits: int = 1
) -> dict[str, float | None]:
    """p50, p95 and p99 (None when there is nothing to measure)."""
    if len(values) < 2:
        only = round(values[0] * scale, digits) if values else None
        return {"p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * scale, digits),
        "p95": round(cuts[94] * scale, digits),
        "p99": round(cuts[98] * scale, digits),
    }


def summary(figures: dict[str, Any]) -> str:
    """One line of a fleet's figures, for the terminal."""
    push, pull = figures["push_ms"], figures["pull_ms"]
    return (
        f"{figures['actions_per_s']} actions/s, {figures['syncs_per_s']} syncs/s; "
        f"push p50/p95/p99 {push['p50']}/{push['p95']}/{push['p99']} ms, "
        f"pull {pull['p50']}/{pull['p95']}/{pull['p99']} ms; "
        f"429 retried {figures['retried_429']}, "
        f"errors {sum(figures['errors'].values())}, connections lost and "
        f"sent again {sum(figures['transport_errors_retried'].values())}"
    )


def growth(series: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """How the figures change from the smallest fleet to the largest."""
    small, large = series[min(series)], series[max(series)]

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if not a or b is None else round(b / a, 2)

    return {
        "devices": f"{small['devices']} -> {large['devices']}",
        "actions_per_s": ratio(small["actions_per_s"], large["actions_per_s"]),
        "push_p95_ms": ratio(small["push_ms"]["p95"], large["push_ms"]["p95"]),
        "pull_p95_ms": ratio(small["pull_ms"]["p95"], large["pull_ms"]["p95"]),
        "sync_p95_s": ratio(small["sync_s"]["p95"], large["sync_s"]["p95"]),
    }


def stored(url: str) -> tuple[int, int]:
    """Action rows at the centre, and distinct (device, key) pairs among them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT count(*) FROM actions").scalar()
            keys = connection.exec_driver_sql(
                "SELECT count(*) FROM (SELECT DISTINCT device_id, key FROM actions) k"
            ).scalar()
    finally:
        engine.dispose()
    return int(rows or 0), int(keys or 0)
