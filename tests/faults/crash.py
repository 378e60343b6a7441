"""Crash group: SIGKILL the device while it queues and syncs, and the centre
mid-push, on SQLite and PostgreSQL; then one sync must drain the queue with
nothing lost and nothing applied twice. Then the device is killed while it
takes a new policy and a new knowledge base (:mod:`tests.faults.crash_updates`):
the old or the new is in force, never a mix.

Kill points are chosen by time offsets measured from each child's own progress
events (no hook in product code): the device children run from a fork server
(:mod:`tests.faults.forks`), the centre is the real ``edge-governance serve``.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from contextlib import ExitStack, closing, suppress
from pathlib import Path
from typing import Any

from sync import Outbox
from tests.benchmarks.bench_sync import (
    drain_device,
    prepare_centre,
    queue_actions,
    record_actions,
)
from tests.faults.centre import (
    Centre,
    databases,
    outbox_states,
    postgres_available,
    sqlite_integrity,
    stored_actions,
)
from tests.faults.children import QUICK_RETRY
from tests.faults.crash_updates import SIZES as UPDATE_KILLS
from tests.faults.crash_updates import run_updates
from tests.faults.forks import Forks, fork_server
from tests.faults.report import GroupReport
from tests.sync.outbox_support import check_outbox

SIZES = {
    "ci": {"device_kills": 200, "actions": 2000, "service_kills": 50},
    "full": {"device_kills": 1000, "actions": 10_000, "service_kills": 100},
}
BATCH = 25
PRELOAD = (
    "tests.faults.children",
    "sync.server.__main__",
    "sync.server.app",
    "uvicorn",
    "edge_agent.__main__",
    "edge_agent.cli.sync",
    "edge_agent.depot.sync_run",
)
"""Imported once by the fork server, so a restart pays only for the app's start
(and a device's ``edge-agent sync`` only for its own work)."""
FINAL = {"applied", "quarantined", "rejected"}


def run(tier: str, work: Path, *, postgres: bool = True) -> GroupReport:
    report = GroupReport("crash", tier)
    sizes = SIZES[tier]
    report.figures["sizes"] = sizes
    with ExitStack() as stack:
        forks = stack.enter_context(fork_server(work, *PRELOAD))
        dbs = stack.enter_context(databases(stack, work, postgres))
        device_kills(report, forks, work / "device", dbs["new"]("sqlite"), sizes)
        for backend in dbs["backends"]:
            service_kills(
                report, forks, work / backend, backend, dbs["new"](backend), sizes
            )
        run_updates(report, forks, work / "updates", UPDATE_KILLS[tier])
        if "postgresql" not in dbs["backends"]:
            report.figures["postgresql"] = "not run: " + (
                postgres_available() or "not asked for"
            )
    return report


# --- the device killed -------------------------------------------------------------


def device_kills(
    report: GroupReport, forks: Forks, work: Path, url: str, sizes: dict[str, int]
) -> None:
    """Kill the device ``device_kills`` times, half while it queues, half while
    it syncs ``actions`` preloaded actions (and the ones it queues itself)."""
    work.mkdir(parents=True)
    device, db = "crash-device", work / "outbox.db"
    secret = prepare_centre(url, work / "centre", [device])[device]
    record_actions(db, device, "tech-0", sizes["actions"], 3, 1)
    rng = random.Random(20260302)
    centre = Centre(forks, url, work / "centre", "device-centre")
    base = centre.start()
    committed: set[str] = set()
    died_in: Counter[str] = Counter()
    unexpected: list[str] = []
    unsound: list[str] = []
    started = time.perf_counter()
    for n in range(sizes["device_kills"]):
        mode = "enqueue" if n % 2 == 0 else "sync"
        args: dict[str, Any] = {
            "db": str(db),
            "device": device,
            "technician": "tech-0",
            "seed": rng.randrange(2**32),
        }
        if mode == "sync":
            args.update(url=base, secret=secret, batch=BATCH)
        child = forks.fork(f"d{n}", f"tests.faults.children:{mode}", **args)
        _wait_then_kill(child, mode, rng)
        code = forks.reap(child)
        if code != -signal.SIGKILL:
            unexpected.append(f"{child.tag} exited {code}: {forks.errors()[-500:]}")
        died_in[f"{mode}:{child.last}"] += 1
        committed.update(
            k for e in child.events if e["event"] == "commit" for k in e["keys"]
        )
        if (verdict := sqlite_integrity(db)) != "ok":
            unsound.append(f"after kill {n}: {verdict}")
    seconds = time.perf_counter() - started
    result = drain_device(base, db, device, secret, 500, retry=QUICK_RETRY)
    centre.stop()
    report.figures["device_kills"] = {
        "kills": sizes["device_kills"],
        "seconds": round(seconds, 1),
        "died_in": dict(died_in),
        "actions": len(outbox_states(db)),
        "queued_by_killed_children": len(committed),
    }
    report.expect_zero("device: children that did not die by the kill", len(unexpected))
    if unexpected:
        report.figures["device_unexpected"] = unexpected[:3]
    report.expect_zero("device: integrity_check failures after a kill", len(unsound))
    report.check(
        "device: kills landed in queueing and in pushing",
        sum(v for k, v in died_in.items() if k.startswith("sync:push"))
        >= sizes["device_kills"] // 10
        and died_in["enqueue:begin"] >= sizes["device_kills"] // 10,
        dict(died_in),
    )
    after_restart(report, "device", db, device, url, committed, result)


def _wait_then_kill(child: Any, mode: str, rng: random.Random) -> None:
    """Kill at a random offset from a random point of the child's own progress."""
    roll = rng.random()
    if roll < 0.1:  # while it starts and opens its files
        time.sleep(rng.uniform(0.0, 0.03))
    elif mode == "enqueue":
        target = rng.randint(1, 6)
        for _ in range(target):
            child.wait_for("commit")
        time.sleep(rng.uniform(0.0, 0.008))
    else:
        child.wait_for("push" if roll < 0.8 else "commit")
        time.sleep(rng.uniform(0.0, 0.25))
    os.kill(child.pid, signal.SIGKILL)


def after_restart(
    report: GroupReport,
    label: str,
    db: Path,
    device: str,
    url: str,
    committed: set[str],
    result: Any,
) -> None:
    """The invariants after the last kill and one sync of the restarted device."""
    report.check(
        f"{label}: one sync after restart went through",
        result.stopped is None,
        str(result.stopped),
    )
    try:
        check_outbox(db, committed, device_id=device)
        sound = "ok"
    except AssertionError as exc:
        sound = str(exc)[:300]
    report.check(
        f"{label}: outbox invariants (integrity, chain, no gaps)", sound == "ok", sound
    )
    states = outbox_states(db)
    pending = [
        k for k, s in states.items() if s in ("queued", "awaiting_approval", "sent")
    ]
    report.expect_zero(f"{label}: still queued after one sync", len(pending))
    stored = stored_actions(url, device)
    lost = (set(states) | committed) - set(stored)
    twice = [k for k, rows in stored.items() if len(rows) > 1]
    differ = [k for k, s in states.items() if s in FINAL and stored.get(k, [s])[0] != s]
    report.expect_zero(f"{label}: lost", len(lost))
    report.expect_zero(f"{label}: applied twice", len(twice))
    report.expect_zero(f"{label}: device and centre disagree on a result", len(differ))
    if url.startswith("sqlite:///"):
        verdict = sqlite_integrity(Path(url.removeprefix("sqlite:///")))
        report.check(f"{label}: centre integrity_check", verdict == "ok", verdict)


# --- the centre killed -------------------------------------------------------------


def service_kills(
    report: GroupReport,
    forks: Forks,
    work: Path,
    backend: str,
    url: str,
    sizes: dict[str, int],
) -> None:
    """Kill the centre ``service_kills`` times while a device pushes to it."""
    work.mkdir(parents=True)
    device, db = f"crash-{backend}", work / "outbox.db"
    secret = prepare_centre(url, work / "centre", [device])[device]
    record_actions(db, device, "tech-0", BATCH * 8, 3, 2)
    rng = random.Random(7)
    centre = Centre(forks, url, work / "centre", f"centre-{backend}")
    in_flight = 0
    topped = 0
    started = time.perf_counter()
    for _ in range(sizes["service_kills"]):
        base = centre.start()
        stages: list[str] = []
        pushing = threading.Event()

        def progress(step: Any, stages: list[str] = stages, pushing=pushing) -> None:
            stages.append(str(step.stage))
            if step.stage == "push":
                pushing.set()

        thread = threading.Thread(
            target=_quiet_drain,
            args=(base, db, device, secret),
            kwargs={"progress": progress},
        )
        thread.start()
        pushing.wait(10)
        time.sleep(rng.uniform(0.0, 0.2))
        in_flight += bool(stages) and stages[-1] in ("push", "retry", "split")
        centre.kill()
        thread.join(60)
        if _pending(db, device) < BATCH * 4:
            _top_up(db, device, BATCH * 8, rng)
            topped += BATCH * 8
    seconds = time.perf_counter() - started
    base = centre.start()
    result = drain_device(base, db, device, secret, 500, retry=QUICK_RETRY)
    centre.stop()
    report.figures[f"service_kills_{backend}"] = {
        "kills": sizes["service_kills"],
        "seconds": round(seconds, 1),
        "kills_while_a_push_was_in_flight": in_flight,
        "actions": len(outbox_states(db)),
    }
    report.check(
        f"{backend}: most kills landed mid-push",
        in_flight >= sizes["service_kills"] // 2,
        in_flight,
    )
    after_restart(report, f"centre on {backend}", db, device, url, set(), result)


def _quiet_drain(base: str, db: Path, device: str, secret: str, **options: Any) -> None:
    # The centre dies under it: the next run sends again.
    with suppress(Exception):
        drain_device(
            base, db, device, secret, BATCH, retry=QUICK_RETRY, timeout=5, **options
        )


def _pending(db: Path, device: str) -> int:
    states = outbox_states(db)
    return sum(s in ("queued", "awaiting_approval", "sent") for s in states.values())


def _top_up(db: Path, device: str, count: int, rng: random.Random) -> None:
    with closing(Outbox.open(db, device_id=device)) as outbox:
        queue_actions(outbox, rng, "tech-0", count, 3)
