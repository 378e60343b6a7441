"""Sync benchmark: queued actions reconciled with the central service.

Run ``python -m tests.benchmarks.bench_sync [--actions N] [--fleet N]
[--fleet-actions N] [--backends sqlite,postgresql] [--json]``.

Each scenario starts the real service (``edge-governance serve``, uvicorn) in
its own process on 127.0.0.1 with a fresh database, publishes the default
policy and enrols the devices. Each device's actions are recorded beforehand
in a real ``sync.Outbox`` file (with a trace of ``--spans`` spans each; a
realistic mix: repairs and small orders the technician confirmed, and one
order in twenty over the approval limit), then timed: the edge's own
``sync.runner.drain`` with ``sync.client.SyncClient`` on httpx pushes them in
batches of ``--batch`` and records every result in the outbox, then pulls.

Scenarios, per backend: one device with ``--actions`` actions, then
``--fleet`` devices at once with ``--fleet-actions`` each. PostgreSQL is a
throw-away cluster from the Debian package (see ``tests/sync/server/
postgres.py``) unless ``--postgres-url`` names a server.

Target: one device's 10,000 actions reconciled in at most 30 s on SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.benchmarks.reporting import emit, log, machine_facts

if TYPE_CHECKING:
    from policies import Policy
    from sync import Outbox
    from sync.server.centre_keys import CentreKeys
    from sync.server.storage import Storage

TARGET_SECONDS = 30.0
TARGET_ACTIONS = 10_000
REPO_ROOT = Path(__file__).resolve().parents[2]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- the device side ---------------------------------------------------------------


def make_trace(rng: random.Random, spans: int) -> dict[str, Any]:
    trace_id = f"{rng.getrandbits(128):032x}"
    start = 1_772_436_600_000_000_000 + rng.randrange(10**15)
    names = ("edge.intake", "edge.retrieval", "chat", "edge.policy.decision")
    steps = [
        {
            "span_id": f"{rng.getrandbits(64):016x}",
            "parent_id": trace_id[:16],
            "name": names[i % len(names)],
            "start_ns": start + i * 40_000_000,
            "end_ns": start + i * 40_000_000 + 30_000_000,
            "attributes": {"gen_ai.usage.output_tokens": rng.randrange(200)},
            "error": None,
        }
        for i in range(1, spans)
    ]
    root = {
        "span_id": trace_id[:16],
        "parent_id": None,
        "name": "invoke_agent",
        "start_ns": start,
        "end_ns": start + spans * 40_000_000,
        "attributes": {"gen_ai.operation.name": "invoke_agent"},
        "error": None,
    }
    return {"trace_id": trace_id, "name": "propose", "spans": [root, *steps]}


def record_actions(
    path: Path, device_id: str, technician: str, count: int, spans: int, seed: int
) -> None:
    """Fill an outbox file as the app would: decided, confirmed, with traces."""
    from sync import Outbox

    with closing(Outbox.open(path, device_id=device_id)) as outbox:
        outbox.db.execute("PRAGMA synchronous = OFF")  # preload only
        queue_actions(outbox, random.Random(seed), technician, count, spans)


def default_policy() -> Policy:
    """The shipped policy, as version 1 (the version the centre publishes)."""
    from policies import load_policy_dir
    from policies.defaults import SOURCE_DIR

    return load_policy_dir(SOURCE_DIR).with_version(1)


def queue_actions(
    outbox: Outbox, rng: random.Random, technician: str, count: int, spans: int
) -> None:
    """Queue ``count`` actions in ``outbox``: decided by the default policy,
    confirmed by ``technician``, each with its turn's trace."""
    policy = default_policy()
    for start in range(0, count, 1000):
        with outbox.atomic():
            for _ in range(min(1000, count - start)):
                queue_action(outbox, policy, rng, technician, spans)


def queue_action(
    outbox: Outbox, policy: Policy, rng: random.Random, technician: str, spans: int
) -> str:
    """Queue one action as the app would (inside the caller's transaction);
    returns its idempotency key."""
    from policies import Outcome, evaluate, request_for_call
    from sync import ActionState, payload_hash

    tool, args = _call(rng)
    request = request_for_call(
        policy, tool=tool, args=args, technician_id=technician, role="technician"
    )
    decision = evaluate(policy, request)
    payload = {"tool": tool, "args": args}
    action = outbox.enqueue(
        tool=tool,
        action_type=request.action_type,
        payload=payload,
        decision=decision.as_dict(),
        confirmation={
            "technician_id": technician,
            "payload_hash": payload_hash(payload),
            "bundle_version": 1,
            "confirmed_at": "2026-03-02T08:00:00Z",
        },
        evidence={
            "kb_version": "3",
            "proposed_by": "technician",
            "cited_chunks": [f"manual.md#{rng.randrange(90)}"],
        },
        trace=make_trace(rng, spans),
        state=ActionState.AWAITING_APPROVAL
        if decision.outcome is Outcome.APPROVE
        else ActionState.QUEUED,
    )
    return action.key


def _call(rng: random.Random) -> tuple[str, dict[str, Any]]:
    roll = rng.random()
    if roll < 0.05:
        return "order_part", {
            "part_number": "4471-A20-339",
            "quantity": 20,
            "unit_price": 10.0,
        }
    if roll < 0.3:
        return "order_part", {
            "part_number": "4471-A20-339",
            "quantity": rng.randint(1, 5),
            "unit_price": 12.5,
        }
    return "record_repair", {
        "job_id": f"J-{rng.randrange(1000)}",
        "fault_code": "E-42",
        "notes": "replaced the seal and tested the pump",
    }


def drain_device(
    url: str,
    path: Path,
    device_id: str,
    secret: str,
    batch: int,
    *,
    timeout: float = 120,
    **options: Any,
) -> Any:
    """The edge's own sync run against the service; returns its report.

    ``options`` go to ``sync.runner.drain`` (``retry``, ``progress``, ``pull``)
    and to httpx (``transport``).
    """
    from sync import Outbox
    from sync.client import SyncClient
    from sync.protocol import PullRequest
    from sync.runner import drain

    transport = options.pop("transport", None)
    options.setdefault("pull", PullRequest())
    with (
        closing(Outbox.open(path, device_id=device_id)) as outbox,
        httpx.Client(base_url=url, timeout=timeout, transport=transport) as http,
    ):
        client = SyncClient(
            http,
            device_id=device_id,
            secret=secret,
            clock=utc_now,
            new_nonce=lambda: uuid.uuid4().hex,
        )
        return drain(
            outbox,
            client,
            clock=utc_now,
            sleep=time.sleep,
            rng=random.Random(1),
            batch_size=batch,
            **options,
        )


# --- the service side --------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def issue_tokens(url: str, data_dir: Path, count: int) -> list[str]:
    """Publish the default policy and issue ``count`` enrolment tokens.

    The centre's keys are made in ``data_dir``, which the service shares.
    """
    from policies.defaults import SOURCE_DIR
    from sync.server.enrolment import Enrolment
    from sync.server.publishing import Publisher

    with centre_storage(url, data_dir) as (storage, keys):
        Publisher(storage, keys, clock=utc_now).publish_policy_dir(
            SOURCE_DIR, expires_in=timedelta(days=1), actor="bench"
        )
        enrolment = Enrolment(storage, keys, clock=utc_now)
        return [
            enrolment.issue(expires_in=timedelta(hours=1), actor="bench").token
            for _ in range(count)
        ]


def prepare_centre(url: str, data_dir: Path, devices: Sequence[str]) -> dict[str, str]:
    """Publish the default policy and enrol the devices; their secrets by id."""
    from sync.enrolment_binding import binding_key, device_secret, enrol_request
    from sync.server.enrolment import Enrolment

    tokens = issue_tokens(url, data_dir, len(devices))
    with centre_storage(url, data_dir) as (storage, keys):
        enrolment = Enrolment(storage, keys, clock=utc_now)
        secrets = {}
        for n, (device_id, token) in enumerate(zip(devices, tokens, strict=True)):
            reply = enrolment.enrol(
                enrol_request(
                    token,
                    device_name="bench",
                    technician_id=f"tech-{n}",
                    device_id=device_id,
                )
            )
            secrets[device_id] = device_secret(binding_key(token), reply.secret_seed)
        return secrets


@contextmanager
def centre_storage(url: str, data_dir: Path) -> Iterator[tuple[Storage, CentreKeys]]:
    """The centre's storage at ``url`` and its keys in ``data_dir``."""
    from sync.server.centre_keys import CentreKeys
    from sync.server.settings import ServerSettings
    from sync.server.storage import Storage

    keys = CentreKeys(
        ServerSettings(data_dir=data_dir).resolved_keys_dir(), clock=utc_now
    )
    storage = Storage.open(url)
    try:
        yield storage, keys
    finally:
        storage.close()


@contextmanager
def service(url: str, data_dir: Path, log_path: Path) -> Iterator[str]:
    """``edge-governance serve`` in its own process; yields its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "sync.server",
        "--database-url",
        url,
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=log_file, env=env, cwd=REPO_ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the service exited at start; see its log")
        try:
            if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service did not become healthy in 60 s")


# --- scenarios ---------------------------------------------------------------------


def scenario(
    work: Path, url: str, *, devices: int, actions: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Record, start the service, drain every device at once; the figures."""
    ids = [f"bench-{uuid.uuid4().hex[:10]}" for _ in range(devices)]
    started = time.perf_counter()
    for n, device_id in enumerate(ids):
        record_actions(
            work / f"{device_id}.db",
            device_id,
            f"tech-{n}",
            actions,
            args.spans,
            args.seed + n,
        )
    recorded = time.perf_counter() - started
    secrets = prepare_centre(url, work / "centre", ids)
    with service(url, work / "centre", work / "service.log") as base:
        reports: dict[str, Any] = {}

        def run(device_id: str) -> None:
            reports[device_id] = drain_device(
                base,
                work / f"{device_id}.db",
                device_id,
                secrets[device_id],
                args.batch,
            )

        threads = [threading.Thread(target=run, args=(d,)) for d in ids]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        metrics = httpx.get(f"{base}/v1/metrics", timeout=30).json()
    statuses: dict[str, int] = {}
    for report in reports.values():
        for outcome in report.outcomes:
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    total = devices * actions
    return {
        "devices": devices,
        "actions": total,
        "recording_seconds": round(recorded, 2),
        "reconcile_seconds": round(seconds, 2),
        "actions_per_second": round(total / seconds, 1),
        "statuses": statuses,
        "stopped": [r.stopped for r in reports.values() if r.stopped],
        "server_push_latency_ms": metrics["push_latency_ms"],
        "server_apply_ms_per_action": metrics["apply_latency_ms_per_action"],
        "server_queues": metrics["queues"],
    }


@contextmanager
def database(
    backend: str, work: Path, name: str, stack: ExitStack, postgres_url: str | None
) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{work / name}.db"
        return
    if postgres_url:
        yield postgres_url
        return
    sys.path.insert(0, str(REPO_ROOT))
    from tests.sync.server.postgres import running_postgres

    server = stack.enter_context(running_postgres())
    with server.database() as url:
        yield url


def run_backend(backend: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with ExitStack() as stack:
        for label, devices, actions in (
            ("one_device", 1, args.actions),
            ("fleet", args.fleet, args.fleet_actions),
        ):
            folder = work / f"{backend}-{label}"
            folder.mkdir()
            log(f"{backend}: {devices} device(s) x {actions} actions ...")
            with database(
                backend, folder, "governance", stack, args.postgres_url
            ) as url:
                figures[label] = scenario(
                    folder, url, devices=devices, actions=actions, args=args
                )
    return figures


# --- report ------------------------------------------------------------------------


def render(figures: dict[str, Any]) -> str:
    lines = [f"machine: {figures['machine']}"]
    for backend, scenarios in figures["backends"].items():
        for label, s in scenarios.items():
            lines.append(
                f"{backend:<11} {label:<11} {s['devices']:>3} device(s) "
                f"{s['actions']:>7} actions  {s['reconcile_seconds']:>7.2f} s  "
                f"{s['actions_per_second']:>8.1f}/s  {s['statuses']}"
                + (f"  stopped: {s['stopped']}" if s["stopped"] else "")
            )
            lines.append(
                f"{'':23}push p50/p95 {s['server_push_latency_ms'].get('p50')}/"
                f"{s['server_push_latency_ms'].get('p95')} ms, apply "
                f"{s['server_apply_ms_per_action'].get('p50')} ms per action"
            )
    one = figures["backends"].get("sqlite", {}).get("one_device")
    if one and one["actions"] >= TARGET_ACTIONS:
        ok = one["reconcile_seconds"] <= TARGET_SECONDS
        lines.append(
            f"target: {TARGET_ACTIONS} actions from one device on SQLite in "
            f"<= {TARGET_SECONDS:.0f} s: {'meets target' if ok else 'MISSES TARGET'}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=TARGET_ACTIONS)
    parser.add_argument("--fleet", type=int, default=10, help="devices at once")
    parser.add_argument("--fleet-actions", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--spans", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", help="use this PostgreSQL database")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: temp)")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    if not set(backends) <= {"sqlite", "postgresql"} or not backends:
        parser.error("--backends is a comma list of sqlite and postgresql")
    if min(args.actions, args.fleet, args.fleet_actions, args.batch, args.spans) < 1:
        parser.error("counts must be at least 1")
    args.backends = backends
    return args


@contextmanager
def working_dir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as temporary:
        yield Path(temporary)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with working_dir(args.workdir) as work:
        backends = {b: run_backend(b, work, args) for b in args.backends}
    figures = {"machine": machine_facts(), "backends": backends}
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
