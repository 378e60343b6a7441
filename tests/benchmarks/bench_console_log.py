"""Console log benchmark: the Decisions & turns pages and the shift report on
a centre holding many turns.

Run ``python -m tests.benchmarks.bench_console_log [--turns N] [--devices N]
[--denied-every N] [--repeats N] [--workdir DIR] [--json]``.

A SQLite centre (schema made by the service's own migrations) is filled
directly with ``--turns`` question turns spread over ``--devices`` devices
and two weeks, the spans as a device's question turn holds them, and one
decision denied on the device every ``--denied-every`` turns; each turn
keeps its search text as the journal stores it. The real app
then answers a signed-in supervisor through Starlette's TestClient, and each
page is timed ``--repeats`` times (the median and the slowest are kept):
the log's first page, a filtered page, an older page (from the first page's
cursor), a text search, the decisions, one turn's timeline and the shift
report (its period holds no pushed actions here: denials only).

Target: every page under 300 ms (the issue's figure, at 100,000 turns).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from sync.server.app import create_app
from sync.server.people import Accounts
from sync.server.storage import Storage
from sync.server.storage.schema import device_decisions, devices, traces
from sync.server.storage.turn_text import turn_text
from tests.benchmarks.reporting import emit, log, machine_facts, verdict, working_dir
from tests.sync.server.console.support import PASSWORD, sign_in
from tests.sync.server.support import Clock, settings_for
from tests.sync.server.testclient import TestClient

TARGET_MS = 300.0
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
BATCH = 2000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--denied-every", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def fill(storage: Storage, args: argparse.Namespace) -> None:
    """Devices, turns and denials, inserted in batches."""
    names = [f"dev-{n:04d}" for n in range(args.devices)]
    with storage.write() as connection:
        connection.execute(
            devices.insert(),
            [
                {
                    "device_id": name,
                    "name": "laptop",
                    "technician_id": f"tech-{n % 50:02d}",
                    "role": "technician",
                    "secret": "x" * 64,
                    "enrolled_at": START,
                }
                for n, name in enumerate(names)
            ],
        )
    span = timedelta(days=14) / max(args.turns, 1)
    for first in range(0, args.turns, BATCH):
        turns, decisions = [], []
        for n in range(first, min(first + BATCH, args.turns)):
            device = names[n % len(names)]
            at = START + span * n
            begin = int(at.timestamp() * 1e9)
            turns.append(_turn(device, n, begin, at))
            if n % args.denied_every == 0:
                decisions.append(_denial(device, n, at))
        with storage.write() as connection:
            connection.execute(traces.insert(), turns)
            if decisions:
                connection.execute(device_decisions.insert(), decisions)


def _turn(device: str, n: int, begin: int, at: datetime) -> dict[str, Any]:
    question = f"Pump {n % 97} shows E-{n % 90:02d} after a restart; what now?"
    spans = [
        _span("root", None, "invoke_agent", begin, 900, {"edge.turn": "ask"}),
        _span("r", "root", "edge.retrieval", begin + 5, 115, {"edge.query": question}),
        _span("m", "root", "chat", begin + 130, 750, {"edge.sentences_kept": 2}),
    ]
    return {
        "device_id": device,
        "trace_id": f"trace-{n:08d}",
        "name": "ask",
        "start_ns": begin,
        "end_ns": begin + 900_000_000,
        "spans": json.dumps(spans, separators=(",", ":")),
        "saved_at": at,
        "search_text": turn_text(spans),
    }


def _span(
    span_id: str,
    parent: str | None,
    name: str,
    start: int,
    ms: int,
    attributes: dict[str, Any],
) -> dict[str, Any]:
    return {
        "span_id": span_id,
        "parent_id": parent,
        "name": name,
        "start_ns": start,
        "end_ns": start + ms * 1_000_000,
        "attributes": attributes,
        "error": None,
    }


def _denial(device: str, n: int, at: datetime) -> dict[str, Any]:
    return {
        "device_id": device,
        "key": f"key-{n:08d}",
        "seq": n + 1,
        "technician_id": "tech-00",
        "tool": "order_part",
        "outcome": "deny",
        "reasons": json.dumps(["quantity above 50"]),
        "state": "denied",
        "payload": json.dumps({"tool": "order_part", "args": {"quantity": 60}}),
        "decision": json.dumps({"outcome": "deny"}),
        "trace_id": f"trace-{n:08d}",
        "created_at": at.isoformat(),
        "received_at": at,
    }


def time_pages(http: TestClient, args: argparse.Namespace) -> dict[str, Any]:
    first = http.get("/console/turns").text
    older = re.search(r'href="/console/turns\?([^"]+)" id="page-next"', first)
    pages = {
        "turns": "/console/turns",
        "turns_device": "/console/turns?device=dev-0007",
        "turns_technician_route": "/console/turns?technician=tech-03&kind=ask",
        "turns_older": "/console/turns?" + (older.group(1) if older else ""),
        "turns_text": "/console/turns?q=E-42",
        "turns_text_rare": "/console/turns?q=nothing+says+this",
        "decisions": "/console/decisions",
        "decisions_deny": "/console/decisions?kind=deny&technician=tech-00",
        "turn": f"/console/turns/trace-00000042?device=dev-{42 % args.devices:04d}",
        "report": "/console/report?since=2026-03-02&until=2026-03-16",
    }
    timed = {}
    for name, path in pages.items():
        path = path.replace("&amp;", "&")
        seconds = []
        for _ in range(args.repeats):
            began = time.perf_counter()
            response = http.get(path)
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(seconds) * 1000
        timed[name] = {
            "path": path,
            "median_ms": round(median, 1),
            "slowest_ms": round(max(seconds) * 1000, 1),
            "verdict": verdict(median < TARGET_MS),
        }
    return timed


def render(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['turns']} turns, {figures['decisions']} decisions on SQLite; "
        f"target under {TARGET_MS:.0f} ms",
    ]
    for name, page in figures["pages"].items():
        lines.append(
            f"  {name:<24} median {page['median_ms']:7.1f} ms  slowest "
            f"{page['slowest_ms']:7.1f} ms  {page['verdict']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with working_dir(args.workdir, "bench-console-log-") as work:
        url = f"sqlite:///{work / 'centre.db'}"
        storage = Storage.open(url)
        log(f"filling {args.turns} turns ...")
        began = time.perf_counter()
        fill(storage, args)
        log(f"filled in {time.perf_counter() - began:.1f} s")
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        clock = Clock(START + timedelta(days=14))
        Accounts(storage, clock=clock, hasher=hasher).add(
            "sam", "supervisor", PASSWORD, actor="bench"
        )
        app = create_app(
            settings_for(work, url),
            storage=storage,
            clock=clock,
            password_hasher=hasher,
        )
        try:
            with TestClient(app) as http:
                sign_in(http, "sam")
                pages = time_pages(http, args)
        finally:
            storage.close()
    figures = {
        "machine": machine_facts(),
        "turns": args.turns,
        "decisions": len(range(0, args.turns, args.denied_every)),
        "pages": pages,
    }
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
