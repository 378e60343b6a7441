"""Console benchmark: each page served to a signed-in supervisor from a
centre holding 10,000 actions and 100,000 turns of 100 devices.

Run ``python -m tests.benchmarks.bench_console [--turns N] [--devices N]
[--actions N] [--quarantined N] [--loads N] [--workdir DIR] [--json]``.

A fresh SQLite centre is filled in bulk with the drift benchmark's turns
(traces with their spans, the devices' decisions, three releases) and
``--actions`` actions received from those devices, ``--quarantined`` of them
held for review with a reason, the rest applied or rejected. The real app
(``create_app``) serves it through Starlette's TestClient; a supervisor signs
in through the form. Each page is loaded ``--loads`` times after one warm-up;
figures are the p50 and p95 in milliseconds and the p50's ratio to
``/v1/health`` loaded the same way in the same run. Target: every page under
300 ms at p95.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from sync.server.app import create_app
from sync.server.connectors import RecordingConnector
from sync.server.people import Accounts
from sync.server.settings import ServerSettings
from sync.server.storage import Storage
from sync.server.storage.schema import actions, decisions, traces
from tests.benchmarks import bench_drift
from tests.benchmarks.reporting import emit, log, machine_facts, verdict, working_dir
from tests.sync.server.console.support import PASSWORD, sign_in
from tests.sync.server.testclient import TestClient

TARGET_MS = 300.0
"""Every page's p95 must be under this."""
REASONS = (
    "It needs a supervisor's approval: Ordering more than 10 of one part needs "
    "a supervisor's approval.",
    "It needs a supervisor's approval: Parts orders over 250 need a "
    "supervisor's approval.",
    "Recorded after the device was revoked: review before applying.",
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--quarantined", type=int, default=2_500)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def fill(storage: Storage, args: argparse.Namespace) -> dict[str, int]:
    """The drift benchmark's turns, then the actions (replacing its own)."""
    turns = argparse.Namespace(turns=args.turns, devices=args.devices, weeks=12)
    counts = bench_drift.fill(storage, turns)
    with storage.write() as connection:
        connection.execute(decisions.delete())
        connection.execute(actions.delete())
    rng = random.Random(11)
    received = datetime.now(UTC) - timedelta(days=3)
    held = set(rng.sample(range(args.actions), min(args.quarantined, args.actions)))
    batch = 2000
    for first in range(0, args.actions, batch):
        action_rows, verdict_rows = [], []
        for n in range(first, min(first + batch, args.actions)):
            action, verdict_row = _action(rng, n, n in held, received, args.devices)
            action_rows.append(action)
            verdict_rows.append(verdict_row)
        with storage.write() as connection:
            connection.execute(actions.insert(), action_rows)
            connection.execute(decisions.insert(), verdict_rows)
    counts["actions"] = args.actions
    counts["quarantined"] = len(held)
    return counts


def _action(
    rng: random.Random, n: int, held: bool, received: datetime, devices: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    device = n % devices
    device_id = f"dev-{device:03d}"
    at = received + timedelta(seconds=n * 20)
    args = {
        "part_number": f"4471-G10-{rng.randrange(1000):03d}",
        "quantity": rng.randint(1, 40),
        "job_id": f"J-{rng.randrange(10_000):04d}",
    }
    status = "quarantined" if held else rng.choice(("applied",) * 9 + ("rejected",))
    outcome = "approve" if held else "allow"
    evidence = {
        "kb_version": "7",
        "cited_chunks": [{"chunk_id": "pump-p200#faults", "text": "E-42: low inlet"}],
        "ocr_codes": [{"code": "E-42", "confidence": 0.93}],
    }
    action = {
        "device_id": device_id,
        "key": f"{n:08x}{rng.getrandbits(96):024x}",
        "seq": n // devices + 1,
        "technician_id": f"tech-{device}",
        "tool": rng.choice(("order_part", "order_part", "update_job", "contact")),
        "action_type": "order",
        "payload": json.dumps({"tool": "order_part", "args": args}),
        "payload_hash": "h" * 64,
        "device_state": "awaiting_approval" if held else "queued",
        "decision": json.dumps(
            {"outcome": outcome, "reasons": [], "bundle_version": 3}
        ),
        "evidence": json.dumps(evidence),
        "trace_id": f"{n:032x}",
        "created_at": at.isoformat(),
        "prev_hash": "0" * 64,
        "row_hash": "1" * 64,
        "content_digest": "2" * 64,
        "device_outcome": outcome,
        "device_bundle_version": 3,
        "status": status,
        "reason": rng.choice(REASONS) if held else "",
        "centre_outcome": outcome,
        "received_at": at,
        "updated_at": at,
    }
    verdict_row = {
        "device_id": device_id,
        "key": action["key"],
        "seq": action["seq"],
        "result_id": None,
        "status": status,
        "reason": action["reason"],
        "actor": "centre",
        "at": at,
    }
    return action, verdict_row


def pages(storage: Storage) -> dict[str, str]:
    """Each page to time, by name: its path, filled in from the database."""
    with storage.read() as connection:
        key, device = connection.execute(
            actions.select()
            .with_only_columns(actions.c.key, actions.c.device_id)
            .where(actions.c.status == "quarantined")
            .order_by(actions.c.received_at.desc())
            .limit(1)
        ).one()
        turn, turn_device = connection.execute(
            traces.select()
            .with_only_columns(traces.c.trace_id, traces.c.device_id)
            .where(traces.c.name == "ask")
            .limit(1)
        ).one()
    return {
        "health (baseline)": "/v1/health",
        "sign-in": "/console/sign-in",
        "review": "/console/review",
        "review by device": f"/console/review?device={device}",
        "review by tool, older than 24 h": (
            "/console/review?tool=update_job&older_than_hours=24"
        ),
        "review action": f"/console/review/{key}?device={device}",
        "fleet": "/console/fleet",
        "fleet by technician": f"/console/fleet?technician=tech-{device[-1]}",
        "device": f"/console/devices/{device}",
        "kill switches": "/console/kill-switches",
        "turns": "/console/turns",
        "turns searched": "/console/turns?q=pump",
        "decisions": "/console/decisions",
        "turn": f"/console/turns/{turn}?device={turn_device}",
        "shift report (last 7 days)": "/console/report",
        "releases": "/console/releases",
        "release": "/console/releases/r2",
        "evaluations": "/console/evaluations",
    }


def time_pages(
    http: TestClient, paths: dict[str, str], loads: int
) -> dict[str, dict[str, Any]]:
    timings: dict[str, dict[str, Any]] = {}
    for name, path in paths.items():
        first = http.get(path)
        if first.status_code != 200:
            raise SystemExit(f"{path} answered {first.status_code}: {first.text[:300]}")
        samples = []
        for _ in range(loads):
            started = time.perf_counter()
            http.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        timings[name] = {
            "path": path,
            "bytes": len(first.content),
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(
                samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1
            ),
        }
        log(f"  {name}: p50 {timings[name]['p50_ms']} ms")
    health = timings["health (baseline)"]["p50_ms"]
    for found in timings.values():
        found["ratio_to_health"] = round(found["p50_ms"] / max(health, 0.01), 1)
        found["verdict"] = verdict(found["p95_ms"] < TARGET_MS)
    return timings


def run(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    url = f"sqlite:///{work / 'console.db'}"
    storage = Storage.open(url)
    try:
        log(f"filling {args.turns} turns and {args.actions} actions ...")
        started = time.perf_counter()
        counts = fill(storage, args)
        fill_seconds = time.perf_counter() - started
        log(f"  filled in {fill_seconds:.1f} s: {counts}")
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        Accounts(storage, clock=lambda: datetime.now(UTC), hasher=hasher).add(
            "sam", "supervisor", PASSWORD, actor="bench"
        )
        settings = ServerSettings(
            data_dir=work / "data", database_url=url, start_delivery_worker=False
        )
        app = create_app(
            settings,
            storage=storage,
            connector=RecordingConnector(),
            password_hasher=hasher,
        )
        with TestClient(app) as http:
            assert sign_in(http, "sam").status_code == 303
            timings = time_pages(http, pages(storage), args.loads)
        return {
            "filled": counts,
            "fill_seconds": round(fill_seconds, 1),
            "loads": args.loads,
            "pages": timings,
        }
    finally:
        storage.close()


def render(figures: dict[str, Any]) -> str:
    found = figures["run"]
    filled = found["filled"]
    lines = [
        f"Console pages ({figures['machine']['usable_cores']} cores, load "
        f"{figures['machine']['load_average_1min']}): {filled['traces']} turns, "
        f"{filled['actions']} actions ({filled['quarantined']} quarantined), "
        f"{found['loads']} loads each, target p95 < {TARGET_MS:g} ms",
        f"  {'page':34} {'p50 ms':>8} {'p95 ms':>8} {'x health':>9} {'KiB':>6}",
    ]
    for name, page in found["pages"].items():
        lines.append(
            f"  {name:34} {page['p50_ms']:8.1f} {page['p95_ms']:8.1f} "
            f"{page['ratio_to_health']:9.1f} {page['bytes'] / 1024:6.0f}  "
            f"{page['verdict']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with working_dir(args.workdir, "bench-console-") as work:
        figures = {"machine": machine_facts(), "run": run(work, args)}
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
