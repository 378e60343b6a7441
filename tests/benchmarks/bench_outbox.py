"""Outbox benchmark: enqueue latency when durable, and reads on a full outbox.

Run ``python -m tests.benchmarks.bench_outbox [--actions N] [--enqueues N]
[--reads N] [--json]``.

1. Enqueue on an empty outbox file in a temporary folder: ``--enqueues`` timed
   calls of ``Outbox.enqueue`` (an action with its decision, confirmation,
   evidence and a trace of ``--spans`` spans, one transaction each) after a
   warm-up, with ``synchronous=FULL`` (what the app uses: one fsync per
   commit), in turn with the same calls on a ``synchronous=NORMAL`` outbox,
   the baseline.
2. A full outbox: ``--actions`` actions, each with its own trace, already
   queued (written through ``enqueue`` in large transactions with
   ``synchronous=OFF`` to save time, then checkpointed), reopened as the app
   opens it. Timed: ``pending(100)``, ``count_by_state()`` and
   ``list(limit=50)``, ``--reads`` times each, in turn with the same call on a
   small outbox (``--small`` actions: just enough to fill every page of those
   results), so the ratio shows how much the calls degrade with size; then
   enqueue, in turn with enqueue on an empty outbox.

Compared calls alternate (which goes first alternates too), so both see the
same machine and the same caches left by the call before; the garbage
collector is paused while timing, as ``timeit`` does.

Targets: enqueue p99 <= 20 ms with synchronous=FULL, on an empty and on the
full outbox; each read's p95 on the full outbox <= 2x its p95 on the small one.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sync import Outbox, payload_hash
from tests.benchmarks.reporting import (
    emit,
    log,
    machine_facts,
    verdict,
    working_dir,
)

TARGET_ENQUEUE_P99_MS = 20.0
TARGET_READ_RATIO = 2.0
PRELOAD_BATCH = 1_000
WARM_UP = 20
DEVICE = "bench-device"
READS: dict[str, Callable[[Outbox], object]] = {
    "pending(100)": lambda outbox: outbox.pending(100),
    "count_by_state()": lambda outbox: outbox.count_by_state(),
    "list(limit=50)": lambda outbox: outbox.list(limit=50),
}
SPAN_NAMES = (
    "edge.intake",
    "edge.ocr",
    "edge.retrieval",
    "chat",
    "execute_tool",
    "edge.policy.decision",
    "edge.confirmation",
    "edge.queue",
)

# --- one technician turn ---------------------------------------------------------


def make_trace(rng: random.Random, trace_id: str, spans: int) -> dict[str, Any]:
    """A turn's trace: a root span and ``spans - 1`` steps with GenAI attributes."""
    start = 1_772_436_600_000_000_000 + rng.randrange(10**15)
    root = f"{trace_id[:16]}"
    steps = [
        {
            "span_id": f"{rng.getrandbits(64):016x}",
            "parent_id": root,
            "name": SPAN_NAMES[i % len(SPAN_NAMES)],
            "start_ns": start + i * 40_000_000,
            "end_ns": start + i * 40_000_000 + rng.randrange(1, 39_000_000),
            "attributes": {
                "gen_ai.request.model": "SmolLM2-135M-Instruct",
                "gen_ai.usage.input_tokens": rng.randrange(50, 900),
                "gen_ai.usage.output_tokens": rng.randrange(5, 200),
                "edge.step": i,
                "edge.detail": f"step {i} of the turn, {rng.random():.6f}",
            },
            "error": None,
        }
        for i in range(1, spans)
    ]
    root_span = {
        "span_id": root,
        "parent_id": None,
        "name": "invoke_agent",
        "start_ns": start,
        "end_ns": start + spans * 40_000_000,
        "attributes": {"gen_ai.operation.name": "invoke_agent", "edge.turn": "propose"},
        "error": None,
    }
    return {"trace_id": trace_id, "name": "propose", "spans": [root_span, *steps]}


def make_turn(rng: random.Random, spans: int) -> dict[str, Any]:
    """Keyword arguments for ``Outbox.enqueue``: one order, as the app builds it."""
    prefix, series = rng.randrange(1000, 9999), rng.randrange(10, 99)
    part = f"{prefix}-A{series}-{rng.randrange(1000):03d}"
    payload = {"part_number": part, "quantity": rng.randint(1, 9), "job": "J-1042"}
    chunks = [f"manual-{rng.randrange(300)}.md#{rng.randrange(80)}" for _ in range(3)]
    return {
        "tool": "order_part",
        "action_type": "order",
        "payload": payload,
        "decision": {
            "outcome": "confirm",
            "reasons": ["Orders need the technician's confirmation."],
            "matched_rules": ["orders-confirm"],
            "bundle_version": 7,
        },
        "confirmation": {
            "technician_id": "ann",
            "payload_hash": payload_hash(payload),
            "bundle_version": 7,
        },
        "evidence": {
            "cited_chunks": chunks,
            "ocr_codes": [{"code": f"E-{rng.randrange(10, 99)}", "confidence": 0.97}],
            "photo_sha256": f"{rng.getrandbits(256):064x}",
            "kb_version": "2026.03.01-3",
            "model_id": "SmolLM2-135M-Instruct-Q8_0",
        },
        "trace": make_trace(rng, f"{rng.getrandbits(128):032x}", spans),
    }


# --- measuring -------------------------------------------------------------------


def open_outbox(path: Path, synchronous: str = "FULL") -> Outbox:
    outbox = Outbox.open(path, device_id=DEVICE)
    outbox.db.execute(f"PRAGMA synchronous = {synchronous}")
    return outbox


def timed_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / 1e6


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {f"p{p}": round(cuts[p - 1], 3) for p in (50, 95, 99)} | {
        "max": round(max(samples), 3)
    }


def ratios(
    ours: dict[str, float], base: dict[str, float], cuts: Sequence[str]
) -> dict[str, float]:
    return {p: round(ours[p] / base[p], 2) for p in cuts}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Collect garbage, then keep the collector off while timing (as timeit does)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def interleaved(
    calls: Mapping[str, Callable[[int], object]], rounds: int, warm_up: int
) -> dict[str, dict[str, float]]:
    """Time every call once per round, rotating which goes first.

    Interleaving puts the calls being compared under the same conditions (the
    same page cache, the same neighbours on a shared machine).
    """
    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    with collector_paused():
        for i in range(warm_up + rounds):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                elapsed = timed_ms(partial(calls[name], i))
                if i >= warm_up:
                    samples[name].append(elapsed)
    return {name: percentiles(values) for name, values in samples.items()}


def enqueuer(
    outbox: Outbox, rng: random.Random, count: int, spans: int
) -> Callable[[int], object]:
    """Call ``i`` queues the ``i``-th of ``count`` turns made in advance."""
    turns = [make_turn(rng, spans) for _ in range(count)]

    def enqueue(i: int) -> object:
        return outbox.enqueue(**turns[i])

    return enqueue


def reader(outbox: Outbox, read: Callable[[Outbox], object]) -> Callable[[int], object]:
    def call(_: int) -> object:
        return read(outbox)

    return call


def preload(path: Path, rng: random.Random, actions: int, spans: int) -> float:
    """Queue ``actions`` actions quickly (synchronous=OFF, big transactions)."""
    start = time.perf_counter()
    with open_outbox(path, "OFF") as outbox:
        for first in range(0, actions, PRELOAD_BATCH):
            with outbox.atomic():
                for _ in range(min(PRELOAD_BATCH, actions - first)):
                    outbox.enqueue(**make_turn(rng, spans))
            if first and first % 20_000 == 0:
                log(f"  {first:,} queued ...")
        outbox.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def bench_empty(
    work: Path, rng: random.Random, args: argparse.Namespace
) -> dict[str, Any]:
    """Enqueue on two empty outboxes, FULL and NORMAL, call for call in turn."""
    count = args.enqueues + WARM_UP
    with (
        open_outbox(work / "empty-full.db", "FULL") as full,
        open_outbox(work / "empty-normal.db", "NORMAL") as normal,
    ):
        calls = {
            "full": enqueuer(full, rng, count, args.spans),
            "normal": enqueuer(normal, rng, count, args.spans),
        }
        figures: dict[str, Any] = interleaved(calls, args.enqueues, WARM_UP)
    figures["ratio_full_over_normal"] = ratios(
        figures["full"], figures["normal"], ("p50", "p95", "p99")
    )
    figures["target_p99_ms"] = TARGET_ENQUEUE_P99_MS
    return figures


def bench_full(
    work: Path, rng: random.Random, args: argparse.Namespace
) -> dict[str, Any]:
    """Reads and enqueue on the full outbox, in turn with a small or empty one."""
    small_path, full_path = work / "small.db", work / "full.db"
    preload(small_path, rng, args.small, args.spans)
    log(f"queueing {args.actions:,} actions with traces of {args.spans} spans ...")
    seconds = preload(full_path, rng, args.actions, args.spans)
    count = args.enqueues + WARM_UP
    with (
        open_outbox(small_path) as small,
        open_outbox(full_path) as full,
        open_outbox(work / "empty-again.db") as empty,
    ):
        reads = {
            name: interleaved(
                {"full": reader(full, read), "small": reader(small, read)},
                args.reads,
                1,
            )
            for name, read in READS.items()
        }
        calls = {
            "full": enqueuer(full, rng, count, args.spans),
            "empty": enqueuer(empty, rng, count, args.spans),
        }
        enqueue = interleaved(calls, args.enqueues, WARM_UP)
        counts = {str(k): v for k, v in full.count_by_state().items() if v}
    return {
        "actions": args.actions,
        "small_actions": args.small,
        "spans_per_trace": args.spans,
        "preload_seconds": round(seconds, 1),
        "file_mb": round(full_path.stat().st_size / 2**20, 1),
        "counts_after": counts,
        "enqueue_ms": enqueue["full"],
        "empty_enqueue_ms": enqueue["empty"],
        "enqueue_ratio": ratios(
            enqueue["full"], enqueue["empty"], ("p50", "p95", "p99")
        ),
        "reads_ms": {name: reads[name]["full"] for name in READS},
        "small_reads_ms": {name: reads[name]["small"] for name in READS},
        "read_ratio": {
            name: ratios(reads[name]["full"], reads[name]["small"], ("p50", "p95"))
            for name in READS
        },
        "targets": {
            "enqueue_p99_ms": TARGET_ENQUEUE_P99_MS,
            "read_ratio": TARGET_READ_RATIO,
        },
    }


# --- report ----------------------------------------------------------------------


def row(label: str, ms: dict[str, float]) -> str:
    figures = "".join(f"{ms[p]:9.3f}" for p in ("p50", "p95", "p99", "max"))
    return f"   {label:<26}{figures}"


def render_empty(e: dict[str, Any]) -> list[str]:
    ratio, p99 = e["ratio_full_over_normal"], e["full"]["p99"]
    return [
        "1. Enqueue on an empty outbox file",
        f"{'':<29}p50 ms   p95 ms   p99 ms   max ms",
        row("synchronous=FULL", e["full"]),
        row("synchronous=NORMAL", e["normal"]),
        f"   FULL / NORMAL: p50 {ratio['p50']:.2f}x, p95 {ratio['p95']:.2f}x, "
        f"p99 {ratio['p99']:.2f}x",
        f"   p99 <= {TARGET_ENQUEUE_P99_MS:g} ms (FULL): "
        f"{verdict(p99 <= TARGET_ENQUEUE_P99_MS)}",
    ]


def render_full(f: dict[str, Any]) -> list[str]:
    p99, ratio = f["enqueue_ms"]["p99"], f["enqueue_ratio"]
    lines = [
        f"2. A full outbox: {f['actions']:,} queued actions, traces of "
        f"{f['spans_per_trace']} spans, {f['file_mb']} MB "
        f"(queued in {f['preload_seconds']} s); small outbox: {f['small_actions']}",
        f"{'':<29}p50 ms   p95 ms   p99 ms   max ms",
        row("enqueue (FULL), full", f["enqueue_ms"]),
        row("enqueue (FULL), empty", f["empty_enqueue_ms"]),
        f"   enqueue full / empty: p50 {ratio['p50']:.2f}x, p95 {ratio['p95']:.2f}x, "
        f"p99 {ratio['p99']:.2f}x",
        f"   enqueue p99 on the full outbox <= {TARGET_ENQUEUE_P99_MS:g} ms: "
        f"{verdict(p99 <= TARGET_ENQUEUE_P99_MS)}",
    ]
    for name in READS:
        read = f["read_ratio"][name]
        lines += [
            row(f"{name}, full", f["reads_ms"][name]),
            row(f"{name}, small", f["small_reads_ms"][name]),
            f"   {name} full / small: p50 {read['p50']:.2f}x, p95 {read['p95']:.2f}x"
            f"; p95 ratio <= {TARGET_READ_RATIO:g}x: "
            f"{verdict(read['p95'] <= TARGET_READ_RATIO)}",
        ]
    return lines


def render(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    return "\n".join(
        [
            f"machine: {m['usable_cores']} of {m['cores']} cores (load "
            f"{m['load_average_1min']} at the end), Python {m['python']}, "
            f"SQLite {m['sqlite']}, {m['platform']}",
            "",
            *render_empty(figures["empty"]),
            "",
            *render_full(figures["full"]),
        ]
    )


# --- command line ----------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--enqueues", type=int, default=1_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--spans", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument(
        "--workdir", type=Path, help="keep the outbox files here (default: temp)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON on stdout, table on stderr"
    )
    args = parser.parse_args(argv)
    if args.small < 100 or args.actions < args.small:
        parser.error("--small must be at least 100 and --actions at least --small")
    if args.enqueues < 2 or args.reads < 2 or args.spans < 1:
        parser.error("--enqueues and --reads must be at least 2, --spans at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with working_dir(args.workdir, "bench-outbox-") as work:
        log(f"enqueue on empty outboxes: {args.enqueues} timed calls per mode ...")
        empty = bench_empty(work, rng, args)
        full = bench_full(work, rng, args)
    figures = {"machine": machine_facts(), "empty": empty, "full": full}
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
