"""Journal benchmark: a sync's actions go first, then every turn and decision.

Run ``python -m tests.benchmarks.bench_journal [--actions N] [--turns N]
[--denied-every N] [--backends sqlite,postgresql] [--json]``.

Per backend, two syncs of one device, each against a fresh centre started as
in ``bench_sync`` (``edge-governance serve`` in its own process, the default
policy published):

- ``actions``: the outbox holds ``--actions`` confirmed actions, each with its
  turn's trace of ``--spans`` spans (the baseline);
- ``with_turns``: the same actions and, between them, ``--turns`` turns that
  queued nothing: questions answered (traces as the app's ``ask`` turns build
  them, with ``edge_agent.tracing.TurnTracer``) and, one turn in
  ``--denied-every``, an action the policy denied (recorded ``denied``, it
  reaches the centre only in the journal); see ``journal_day.py``.

The device is a real home enrolled over HTTP with a depot token, and the sync
is the app's own ``edge_agent.depot.sync_run.run_sync``: push, pull and apply,
then the journal. A transport around httpx's own counts the request bodies
per endpoint.

Figures: seconds in all; bytes sent per endpoint; when the last action was at
the centre, and that time with turns over without (target: no later, since
the actions go first); the journal's seconds and entries per second; what the
centre then holds; how much its database grew. PostgreSQL is a throw-away
cluster (see ``tests/sync/server/postgres.py``) unless ``--postgres-url``
names a server.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.benchmarks.bench_sync import database, issue_tokens, service
from tests.benchmarks.journal_day import Day, record_day
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir

if TYPE_CHECKING:
    from edge_agent.config import EdgeSettings
    from sync import Progress

TARGET_ACTIONS = 10_000
TARGET_TURNS = 50_000
RATIO_SLACK = 1.10
"""Actions at the centre with turns over without, allowing for noise."""


# --- the sync --------------------------------------------------------------------


class CountingTransport(httpx.BaseTransport):
    """httpx's own transport, counting request bodies per endpoint and noting
    when each endpoint was first called."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._inner = httpx.HTTPTransport()
        self._clock = clock
        self.requests: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self.first: dict[str, float] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        self.first.setdefault(endpoint, self._clock())
        self.requests[endpoint] += 1
        self.bytes[endpoint] += len(request.content)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def timed_sync(settings: EdgeSettings) -> dict[str, Any]:
    """The app's sync, timed: the figures of the run."""
    from edge_agent.depot.sync_run import run_sync

    started = time.perf_counter()
    transport = CountingTransport(lambda: time.perf_counter() - started)
    pushed: list[float] = []

    def progress(step: Progress) -> None:
        if step.stage == "pull" and not pushed:
            pushed.append(time.perf_counter() - started)

    summary = run_sync(
        settings, progress=progress, sleep=time.sleep, transport=transport
    )
    seconds = time.perf_counter() - started
    journal = summary["journal"] or {"sent": 0, "stopped": "no journal sent"}
    at_centre = pushed[0] if pushed else seconds
    journal_started = transport.first.get("journal", seconds)
    journal_seconds = seconds - journal_started
    return {
        "seconds": round(seconds, 2),
        "actions_at_centre_seconds": round(at_centre, 2),
        "pull_and_apply_seconds": round(journal_started - at_centre, 2),
        "journal_seconds": round(journal_seconds, 2),
        "journal_entries": journal["sent"],
        "journal_entries_per_second": round(journal["sent"] / journal_seconds, 1)
        if journal_seconds
        else 0.0,
        "journal_stopped": journal["stopped"],
        "statuses": {k: v for k, v in summary["counts"].items() if v},
        "stopped": summary["stopped"],
        "requests": dict(transport.requests),
        "bytes_sent": dict(transport.bytes),
    }


# --- the centre ------------------------------------------------------------------


def centre_holds(url: str, device_id: str) -> dict[str, Any]:
    """What the centre stores for the device: actions, turns, decisions."""
    import sqlalchemy as sa

    from sync.server.storage import Storage
    from sync.server.storage.schema import actions, device_decisions, traces

    storage = Storage.open(url, migrate=False)
    try:
        with storage.read() as connection:

            def count(table: sa.Table, *where: Any) -> int:
                query = sa.select(sa.func.count()).select_from(table)
                query = query.where(table.c.device_id == device_id, *where)
                return int(connection.scalar(query) or 0)

            return {
                "actions": count(actions),
                "turns": count(traces),
                "decisions": count(device_decisions),
                "denied": count(device_decisions, device_decisions.c.state == "denied"),
            }
    finally:
        storage.close()


def database_bytes(url: str) -> int:
    """The size of the centre's database (SQLite: the file and its WAL)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        files = (path, Path(f"{path}-wal"))
        return sum(file.stat().st_size for file in files if file.exists())
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            size = sa.text("SELECT pg_database_size(current_database())")
            return int(connection.scalar(size) or 0)
    finally:
        engine.dispose()


# --- scenarios ---------------------------------------------------------------------


def scenario(
    work: Path, url: str, turns: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Record a day, enrol the home with a fresh centre, sync it; the figures."""
    from edge_agent.clock import utc_now as edge_now
    from edge_agent.config import EdgeSettings
    from edge_agent.depot.enrolment import enroll_device
    from edge_agent.device import device_id

    settings = EdgeSettings(home=work / "home", technician_id="tech-0")
    device = device_id(settings.home)
    started = time.perf_counter()
    day = Day(args.actions, turns, args.spans, args.denied_every, args.seed)
    recorded, sizes = record_day(settings.layout.outbox_db, device, "tech-0", day)
    recording = time.perf_counter() - started
    (token,) = issue_tokens(url, work / "centre", 1)
    before = database_bytes(url)
    with service(url, work / "centre", work / "service.log") as base:
        with httpx.Client(base_url=base, timeout=60) as http:
            enroll_device(
                settings, http, token=token, device_name="bench", clock=edge_now
            )
        figures = timed_sync(settings)
    return {
        "recorded": dict(recorded),
        "trace_bytes": sizes,
        "recording_seconds": round(recording, 2),
        **figures,
        "centre": centre_holds(url, device),
        "database_growth_bytes": database_bytes(url) - before,
    }


def run_backend(backend: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with ExitStack() as stack:
        for label, turns in (("actions", 0), ("with_turns", args.turns)):
            folder = work / f"{backend}-{label}"
            folder.mkdir()
            log(f"{backend}: {args.actions} actions and {turns} turns ...")
            with database(
                backend, folder, "governance", stack, args.postgres_url
            ) as url:
                figures[label] = scenario(folder, url, turns, args)
    baseline = figures["actions"]["actions_at_centre_seconds"]
    figures["actions_at_centre_ratio"] = round(
        figures["with_turns"]["actions_at_centre_seconds"] / baseline, 3
    )
    return figures


# --- report ------------------------------------------------------------------------


def megabytes(count: float) -> str:
    return f"{count / 1_000_000:.1f} MB"


def render(figures: dict[str, Any]) -> str:
    lines = [f"machine: {figures['machine']}"]
    for backend, scenarios in figures["backends"].items():
        for label in ("actions", "with_turns"):
            s = scenarios[label]
            sent = s["bytes_sent"]
            parts = ", ".join(f"{k} {megabytes(v)}" for k, v in sorted(sent.items()))
            lines += [
                f"{backend:<11} {label:<11} {s['recorded']}, spans' mean bytes "
                f"{s['trace_bytes']}",
                f"{'':23}{s['seconds']:.2f} s in all; sent "
                f"{megabytes(sum(sent.values()))} ({parts}) in requests "
                f"{s['requests']}",
                f"{'':23}actions at the centre after "
                f"{s['actions_at_centre_seconds']:.2f} s {s['statuses']}; pull and "
                f"apply {s['pull_and_apply_seconds']:.2f} s; journal "
                f"{s['journal_entries']} entries in {s['journal_seconds']:.2f} s "
                f"({s['journal_entries_per_second']:.0f}/s)"
                + (
                    f", stopped: {s['journal_stopped']}" if s["journal_stopped"] else ""
                ),
                f"{'':23}centre holds {s['centre']}; database grew "
                f"{megabytes(s['database_growth_bytes'])}",
            ]
        ratio = scenarios["actions_at_centre_ratio"]
        ok = ratio <= RATIO_SLACK
        lines.append(
            f"{backend:<11} actions at the centre with turns / without: {ratio:.3f} "
            f"(target: no later, <= {RATIO_SLACK:.2f} with noise: "
            f"{'meets target' if ok else 'MISSES TARGET'})"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=TARGET_ACTIONS)
    parser.add_argument("--turns", type=int, default=TARGET_TURNS)
    parser.add_argument(
        "--denied-every", type=int, default=25, help="one turn in N is denied"
    )
    parser.add_argument("--spans", type=int, default=10, help="spans per action")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", help="use this PostgreSQL database")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: temp)")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    if not set(backends) <= {"sqlite", "postgresql"} or not backends:
        parser.error("--backends is a comma list of sqlite and postgresql")
    if min(args.actions, args.denied_every, args.spans) < 1 or args.turns < 0:
        parser.error("counts must be at least 1 (--turns at least 0)")
    args.backends = backends
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with working_dir(args.workdir, "bench-journal-") as work:
        backends = {b: run_backend(b, work, args) for b in args.backends}
    figures = {"machine": machine_facts(), "backends": backends}
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
