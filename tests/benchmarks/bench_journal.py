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
  reaches the centre only in the journal).

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
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.benchmarks.bench_sync import (
    database,
    default_policy,
    issue_tokens,
    queue_actions,
    service,
)
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir

if TYPE_CHECKING:
    from edge_agent.config import EdgeSettings
    from edge_agent.tracing import TurnTracer
    from policies import Policy
    from sync import Outbox

TARGET_ACTIONS = 10_000
TARGET_TURNS = 50_000
RATIO_SLACK = 1.10
"""Actions at the centre with turns over without, allowing for noise."""
BLOCKS = 10
"""The day is recorded in this many blocks of actions, each then its turns."""
MODEL_ID = "SmolLM2-135M-Instruct-Q8_0"
MANUALS = (
    "manuals/hp300-pump-service-manual.md",
    "manuals/ac75-airmax-installation.md",
    "manuals/gx-boiler-maintenance-guide.md",
    "fault-codes.csv",
    "parts-catalogue.csv",
)
QUESTIONS = (
    "What torque for the casing bolts on the {model}?",
    "what does {code} mean",
    "How do I bleed the {model} after replacing the seal?",
    "clearance limit for the wear rings on {model}",
    "{code} keeps coming back after reset, what next",
    "which gasket fits the {model} casing",
)
MODELS = ("HP-300", "HP-350", "AC-75", "GX-24")
CODES = ("E-42", "C-120", "F-07", "E-13", "P-221")


# --- the device's day ----------------------------------------------------------------


def record_day(
    path: Path, device_id: str, technician: str, args: argparse.Namespace, turns: int
) -> tuple[Counter[str], dict[str, int]]:
    """Fill the outbox with ``--actions`` actions and ``turns`` turns between
    them, in blocks; how many of each kind, and the mean size of a trace's
    spans by turn name. The actions do not depend on ``turns``: both scenarios
    queue the same ones."""
    from sync import Outbox

    policy = default_policy()
    actions_rng, turns_rng = random.Random(args.seed), random.Random(args.seed + 1)
    recorded: Counter[str] = Counter()
    with closing(Outbox.open(path, device_id=device_id)) as outbox:
        outbox.db.execute("PRAGMA synchronous = OFF")  # preload only
        for block in range(BLOCKS):
            share = _share(args.actions, block)
            queue_actions(outbox, actions_rng, technician, share, args.spans)
            recorded["actions"] += share
            first = recorded["questions"] + recorded["denied"]
            turns_here = range(first, first + _share(turns, block))
            recorded += save_turns(
                outbox, policy, turns_rng, technician, turns_here, args
            )
        sizes = outbox.db.execute(
            "SELECT name, ROUND(AVG(LENGTH(spans))) FROM traces GROUP BY name"
        ).fetchall()
    return recorded, {name: int(size) for name, size in sizes}


def _share(total: int, block: int) -> int:
    return total // BLOCKS + (1 if block < total % BLOCKS else 0)


def save_turns(
    outbox: Outbox,
    policy: Policy,
    rng: random.Random,
    technician: str,
    turns: range,
    args: argparse.Namespace,
) -> Counter[str]:
    """The day's ``turns`` (their places among all its turns): questions
    answered, and one turn in ``--denied-every`` an action the policy denied,
    as the app records them."""
    saved: Counter[str] = Counter()
    for start in range(0, len(turns), 1000):
        with outbox.atomic():
            for n in turns[start : start + 1000]:
                if (n + 1) % args.denied_every == 0:
                    deny_action(outbox, policy, rng, technician)
                    saved["denied"] += 1
                else:
                    outbox.save_trace(ask_trace(rng))
                    saved["questions"] += 1
    return saved


def tracer(name: str, rng: random.Random) -> TurnTracer:
    """A turn's tracer on a made-up clock and ids from ``rng``."""
    from edge_agent.tracing import TurnTracer

    steps = itertools.accumulate(
        iter(lambda: rng.randrange(1_000_000, 400_000_000), None),
        initial=1_772_436_600_000_000_000 + rng.randrange(10**15),
    )
    return TurnTracer(
        name,
        clock_ns=lambda: next(steps),
        new_trace_id=lambda: f"{rng.getrandbits(128):032x}",
        new_span_id=lambda: f"{rng.getrandbits(64):016x}",
    )


def ask_trace(rng: random.Random) -> dict[str, Any]:
    """A question answered: retrieval, then (mostly) the model's answer."""
    from edge_agent.tracing import CHAT, RETRIEVAL

    model, code = rng.choice(MODELS), rng.choice(CODES)
    question = rng.choice(QUESTIONS).format(model=model, code=code)
    turn = tracer("ask", rng)
    found = int(code in question)
    hits = 0 if found else rng.randint(3, 8)
    with turn.span(RETRIEVAL, edge__query=question) as span:
        span.set(
            edge__codes_found=found,
            edge__codes_absent="",
            edge__codes_corrected="",
            edge__alternatives=f"{model.lower()} -> {model}"
            if rng.random() < 0.3
            else "",
            edge__intent=rng.choice(("information", "procedure", "troubleshooting")),
            edge__equipment=model if rng.random() < 0.5 else "",
            edge__hits=hits,
            edge__chunk_ids=",".join(
                f"{rng.choice(MANUALS)}#{rng.randrange(60)}" for _ in range(hits)
            ),
        )
    if not found and rng.random() < 0.8:
        with turn.span(
            CHAT,
            gen_ai__operation__name="chat",
            gen_ai__request__model=MODEL_ID,
            gen_ai__request__max_tokens=160,
        ) as span:
            span.set(
                gen_ai__usage__input_tokens=rng.randint(600, 1800),
                gen_ai__usage__output_tokens=rng.randint(30, 160),
                edge__sentences_kept=rng.randint(1, 5),
                edge__sentences_dropped=rng.randint(0, 2),
            )
    return turn.finish().as_dict()


def deny_action(
    outbox: Outbox, policy: Policy, rng: random.Random, technician: str
) -> None:
    """The model proposed an action the policy denies: recorded ``denied``."""
    from edge_agent.tracing import CHAT, POLICY, QUEUE
    from policies import Outcome, evaluate, request_for_call
    from sync import ActionState

    tool, args, confidence = (
        ("order_part", {"part_number": "4471-A20-339", "quantity": 60}, 0.9)
        if rng.random() < 0.5
        else ("record_repair", {"job_id": "J-1042", "fault_code": "E-42"}, 0.4)
    )
    request = request_for_call(
        policy,
        tool=tool,
        args=args,
        technician_id=technician,
        role="technician",
        model_proposed=True,
        model_confidence=confidence,
        grounded=True,
    )
    decision = evaluate(policy, request)
    if decision.outcome is not Outcome.DENY:
        raise RuntimeError(f"the default policy no longer denies {tool} {args}")
    turn = tracer("propose", rng)
    with turn.span(
        CHAT, gen_ai__operation__name="chat", gen_ai__request__model=MODEL_ID
    ):
        pass
    with turn.span(POLICY, gen_ai__tool__name=tool) as span:
        span.set(
            edge__policy__outcome=str(decision.outcome),
            edge__policy__version=decision.bundle_version,
            edge__policy__rules=",".join(decision.matched_rules),
        )
    with turn.span(QUEUE, edge__action__state=ActionState.DENIED.value):
        pass
    outbox.enqueue(
        tool=tool,
        action_type=request.action_type,
        payload={"tool": tool, "args": args},
        decision=decision.as_dict(),
        evidence={"proposed_by": "model", "model_confidence": confidence},
        trace=turn.finish().as_dict(),
        state=ActionState.DENIED,
        actor=technician,
        reason="denied by the policy",
    )


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

    def progress(step: Any) -> None:
        if step.stage == "pull" and not pushed:
            pushed.append(time.perf_counter() - started)

    summary = run_sync(
        settings, progress=progress, sleep=time.sleep, transport=transport
    )
    seconds = time.perf_counter() - started
    journal = summary["journal"] or {"sent": 0, "stopped": "no journal sent"}
    journal_seconds = seconds - transport.first.get("journal", seconds)
    return {
        "seconds": round(seconds, 2),
        "actions_at_centre_seconds": round(pushed[0] if pushed else seconds, 2),
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
    recorded, sizes = record_day(
        settings.layout.outbox_db, device, "tech-0", args, turns
    )
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
                f"{s['actions_at_centre_seconds']:.2f} s {s['statuses']}; journal "
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
