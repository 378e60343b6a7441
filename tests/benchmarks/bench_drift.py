"""Drift report benchmark: 100,000 turns from 50 devices over 12 weeks.

Run ``python -m tests.benchmarks.bench_drift [--turns N] [--devices N]
[--weeks N] [--backends sqlite,postgresql] [--postgres-url URL] [--json]``.

Per backend, a fresh centre database is filled with synthetic but realistic
turns: traces with the spans the app writes (questions by route, some
explained by the model with kept and dropped sentences, photos with their
codes' confidence, corrections, proposals with the policy's decision), the
devices' decisions of the proposals, and the actions the centre received
(some quarantined, some where device and centre disagree). Questions that
found nothing are drawn from a few hundred wordings of a few dozen needs,
so the grouping has work to do. Rows are written in bulk with the service's
tables (the journal's own code would take minutes to fill this much).

Figures: seconds to fill; the baseline (``SELECT count(*)`` over the
traces, and a plain read of every trace's spans); the drift report's
seconds, its ratio to each baseline, and turns per second. PostgreSQL is a
throw-away cluster (see ``tests/sync/server/postgres.py``) unless
``--postgres-url`` names a server; a machine without PostgreSQL reports it
missing.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sync.server.drift import DriftThresholds, drift_report
from sync.server.storage import Storage
from sync.server.storage.releases import Release, add_release
from sync.server.storage.schema import (
    actions,
    decisions,
    device_decisions,
    devices,
    traces,
)
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir
from tests.sync.server.drift.field_turns import SHA, ask, correction, photo, propose

START = datetime(2026, 1, 5, tzinfo=UTC)
"""A Monday: week 2026-W02."""
NEEDS = (
    "drain plug on the {m}",
    "reset the controller of the {m}",
    "wiring diagram for the {m} starter",
    "belt part number for the {m}",
    "warranty period of the {m}",
    "firmware update for the {m} panel",
    "noise from the {m} fan at start",
    "coolant spec for the {m}",
    "how to calibrate the {m} pressure sensor",
    "error light blinking twice on the {m}",
    "spare fuse rating for the {m}",
    "where is the serial plate on the {m}",
)
MODELS = ("HP-300", "HP-350", "AC-75", "DG-45", "DG-60", "pump", "compressor")
PREFIXES = ("", "where is the ", "what is the ", "need the ", "pls ")
KNOWN = ("E-42", "torque for the impeller nut", "prime the pump", "C-117 on the ac")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def _turn(rng: random.Random, n: int, at: datetime) -> tuple[dict[str, Any], str]:
    """One turn's trace, and the device's decision outcome ('' for none)."""
    roll = rng.random()
    trace_id = f"{n:032x}"
    seconds = rng.lognormvariate(0, 0.6)
    if roll < 0.6:
        route = rng.choices(
            ("code_lookup", "retrieval", "explain", "not_found"), (35, 35, 15, 15)
        )[0]
        if route == "not_found":
            need = rng.choice(NEEDS).format(m=rng.choice(MODELS))
            question = rng.choice(PREFIXES) + need
            return ask(trace_id, at, question, route, seconds=seconds), ""
        kept = rng.randint(0, 4) if route == "explain" else None
        return (
            ask(
                trace_id,
                at,
                rng.choice(KNOWN),
                "retrieval" if route == "explain" else route,
                seconds=seconds * (8 if kept is not None else 1),
                kept=kept,
                dropped=rng.randint(0, 2),
                tokens=(rng.randint(200, 600), rng.randint(20, 160)),
            ),
            "",
        )
    if roll < 0.75:
        count = rng.randint(1, 3)
        codes = [("fault_code", f"E-{rng.randint(10, 99)}", rng.uniform(0.5, 1.0))]
        return photo(trace_id, at, codes * count, seconds=seconds * 2), ""
    if roll < 0.78:
        return correction(trace_id, at), ""
    outcome = rng.choices(("allow", "confirm", "deny", "approve"), (60, 25, 10, 5))[0]
    version = 3 if at < START + timedelta(weeks=4) else 4
    return propose(trace_id, at, outcome, policy_version=version), outcome


def fill(storage: Storage, args: argparse.Namespace) -> dict[str, int]:
    rng = random.Random(7)
    span = timedelta(weeks=args.weeks).total_seconds()
    with storage.write() as connection:
        for number, name, policy in ((1, "r1", 3), (2, "r2", 4), (3, "r3", 4)):
            add_release(connection, _release(number, name, policy))
        connection.execute(devices.insert(), [_device(d) for d in range(args.devices)])
    counts = {"traces": 0, "decisions": 0, "actions": 0}
    batch = 2000
    for first in range(0, args.turns, batch):
        trace_rows, decision_rows, action_rows, verdict_rows = [], [], [], []
        for n in range(first, min(first + batch, args.turns)):
            device = f"dev-{rng.randrange(args.devices):03d}"
            at = START + timedelta(seconds=rng.uniform(0, span))
            trace, outcome = _turn(rng, n, at)
            trace_rows.append(_trace_row(device, trace))
            if outcome:
                decision_rows.append(_decision_row(device, trace, outcome, n))
                if outcome != "deny":
                    action, verdicts = _action_rows(rng, device, trace, outcome, n)
                    action_rows.append(action)
                    verdict_rows.extend(verdicts)
        with storage.write() as connection:
            connection.execute(traces.insert(), trace_rows)
            if decision_rows:
                connection.execute(device_decisions.insert(), decision_rows)
            if action_rows:
                connection.execute(actions.insert(), action_rows)
                connection.execute(decisions.insert(), verdict_rows)
        counts["traces"] += len(trace_rows)
        counts["decisions"] += len(decision_rows)
        counts["actions"] += len(action_rows)
    with storage.write() as connection:
        for d in range(args.devices):
            release_id, week = (2, 4) if d % 2 else (3, 8)
            connection.execute(
                devices.update()
                .where(devices.c.device_id == f"dev-{d:03d}")
                .values(
                    release_id=release_id, release_since=START + timedelta(weeks=week)
                )
            )
    return counts


def _release(number: int, name: str, policy: int) -> Release:
    return Release(
        release_id=number,
        name=name,
        model_name="model.gguf",
        model_sha256=SHA if number == 1 else f"{number:064x}",
        policy_version=policy,
        policy_sha256="p" * 64,
        kb_version=number,
        kb_sha256="k" * 64,
        app_version="0.1.0",
        created_at=START,
        created_by="bench",
    )


def _device(d: int) -> dict[str, Any]:
    return {
        "device_id": f"dev-{d:03d}",
        "name": f"laptop {d}",
        "technician_id": f"tech-{d}",
        "role": "technician",
        "secret": "s" * 64,
        "enrolled_at": START - timedelta(days=30),
        "chain_hash": "0" * 64,
    }


def _trace_row(device: str, trace: dict[str, Any]) -> dict[str, Any]:
    spans = trace["spans"]
    return {
        "device_id": device,
        "trace_id": trace["trace_id"],
        "name": trace["name"],
        "start_ns": min(s["start_ns"] for s in spans),
        "end_ns": max(s["end_ns"] for s in spans),
        "spans": json.dumps(spans, separators=(",", ":"), sort_keys=True),
        "saved_at": START + timedelta(weeks=13),
    }


def _decision_row(
    device: str, trace: dict[str, Any], outcome: str, n: int
) -> dict[str, Any]:
    return {
        "device_id": device,
        "key": f"k{n}",
        "seq": n + 1,
        "technician_id": "tech",
        "tool": "order_part",
        "outcome": outcome,
        "reasons": "[]",
        "state": "denied" if outcome == "deny" else "queued",
        "payload": '{"args":{},"tool":"order_part"}',
        "decision": json.dumps({"outcome": outcome}),
        "trace_id": trace["trace_id"],
        "created_at": "2026-01-05T08:00:00Z",
        "received_at": START + timedelta(weeks=13),
    }


def _action_rows(
    rng: random.Random, device: str, trace: dict[str, Any], outcome: str, n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    at = START + timedelta(weeks=13)
    roll = rng.random()
    status, centre = ("applied", outcome)
    if outcome == "approve" or roll < 0.05:
        status, centre = ("quarantined", "approve")
    elif roll < 0.07:
        status, centre = ("rejected", "deny")
    action = {
        "device_id": device,
        "key": f"k{n}",
        "seq": n + 1,
        "technician_id": "tech",
        "tool": "order_part",
        "action_type": "order",
        "payload": "{}",
        "payload_hash": "h" * 64,
        "device_state": "queued",
        "decision": json.dumps({"outcome": outcome}),
        "evidence": "{}",
        "trace_id": trace["trace_id"],
        "created_at": "2026-01-05T08:00:00Z",
        "prev_hash": "0" * 64,
        "row_hash": "1" * 64,
        "content_digest": "2" * 64,
        "device_outcome": outcome,
        "device_bundle_version": 3,
        "status": status,
        "reason": "",
        "centre_outcome": centre,
        "received_at": at,
        "updated_at": at,
    }
    verdict = {
        "device_id": device,
        "key": f"k{n}",
        "seq": n + 1,
        "result_id": None,
        "status": status,
        "reason": "",
        "actor": "centre",
        "at": at,
    }
    return action, [verdict]


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    storage = Storage.open(url)
    try:
        fill_seconds, counts = timed(lambda: fill(storage, args))
        log(f"  filled in {fill_seconds:.1f} s: {counts}")

        def count() -> int:
            with storage.read() as connection:
                query = sa.select(sa.func.count()).select_from(traces)
                return int(connection.scalar(query) or 0)

        def read_all() -> int:
            with storage.read() as connection:
                result = connection.execution_options(yield_per=2000).execute(
                    sa.select(traces.c.spans)
                )
                return sum(1 for _ in result)

        count_seconds, _ = timed(count)
        read_seconds, _ = timed(read_all)
        since = START - timedelta(weeks=1)
        until = START + timedelta(weeks=args.weeks + 1)
        runs = []
        report = None
        for _ in range(2):
            seconds, report = timed(
                lambda: drift_report(
                    storage, since=since, until=until, thresholds=DriftThresholds()
                )
            )
            runs.append(seconds)
        assert report is not None
        best = min(runs)
        return {
            "filled": counts,
            "fill_seconds": round(fill_seconds, 1),
            "baseline_count_seconds": round(count_seconds, 4),
            "baseline_read_spans_seconds": round(read_seconds, 3),
            "drift_seconds": [round(s, 3) for s in runs],
            "drift_best_seconds": round(best, 3),
            "ratio_to_count": round(best / max(count_seconds, 1e-6), 1),
            "ratio_to_read_spans": round(best / max(read_seconds, 1e-6), 2),
            "turns_per_second": round(report.total / best),
            "turns_in_report": report.total,
            "weeks": len(report.weeks),
            "releases": [r.release for r in report.by_release],
            "unanswered_groups": len(report.unanswered),
            "unanswered_wordings": sum(len(g.wordings) for g in report.unanswered),
            "alerts": len(report.alerts),
        }
    finally:
        storage.close()


@contextmanager
def database(
    backend: str, work: Path, stack: ExitStack, postgres_url: str | None
) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{work / 'drift.db'}"
        return
    if postgres_url:
        yield postgres_url
        return
    from tests.sync.server.postgres import running_postgres

    server = stack.enter_context(running_postgres())
    with server.database() as url:
        yield url


def render(figures: dict[str, Any]) -> str:
    lines = [f"Drift report benchmark ({figures['machine']['usable_cores']} cores)"]
    for backend, found in figures["backends"].items():
        if "missing" in found:
            lines.append(f"  {backend}: not run ({found['missing']})")
            continue
        lines.append(
            f"  {backend}: {found['turns_in_report']} turns, "
            f"{found['filled']['decisions']} decisions, "
            f"{found['filled']['actions']} actions; drift report "
            f"{found['drift_best_seconds']} s (runs {found['drift_seconds']}), "
            f"{found['turns_per_second']} turns/s"
        )
        lines.append(
            f"    baseline count(*) {found['baseline_count_seconds']} s (ratio "
            f"{found['ratio_to_count']}x); reading every trace's spans "
            f"{found['baseline_read_spans_seconds']} s (ratio "
            f"{found['ratio_to_read_spans']}x); {found['unanswered_groups']} "
            f"groups of {found['unanswered_wordings']} wordings found nothing; "
            f"{found['alerts']} alert(s)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    backends: dict[str, Any] = {}
    with working_dir(args.workdir, "bench-drift-") as work:
        for backend in args.backends.split(","):
            log(f"{backend}: filling {args.turns} turns ...")
            with ExitStack() as stack:
                try:
                    url = stack.enter_context(
                        database(backend, work, stack, args.postgres_url)
                    )
                except Exception as exc:  # PostgreSQL missing or not starting
                    backends[backend] = {"missing": f"{type(exc).__name__}: {exc}"}
                    continue
                backends[backend] = run_backend(url, args)
    figures = {"machine": machine_facts(), "backends": backends}
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
