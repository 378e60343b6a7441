"""Network group: a fault proxy (:mod:`tests.faults.proxy`) between a real
device home and the real centre (``edge-governance serve`` in its own
process, on SQLite): latency, dropped connections, resets mid-reply,
truncated and corrupted replies, replies lost after the centre committed, and
forged replies. Then the network heals and the device syncs until it and the
centre agree.

Each round queues a few actions with ``edge-agent actions create``, sets one
fault on the push (and, for the forged replies and the lost ones, the pull)
for one or two requests, and runs ``edge-agent sync --json``; the faults take
turns in a shuffled order. After every round, nothing the device holds as
settled may be missing at the centre or settled otherwise there (a forged
"applied" taken would show here), and no forged kill switch or job may have
reached the device. The last phase cuts the network, queues a backlog, tries a
sync, heals, and times the syncs until device and centre converge: nothing
lost, nothing applied twice, every result the same on both sides, within
:data:`CONVERGE_WITHIN_S` of healing.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.faults.centre import Centre, outbox_states, sqlite_integrity, stored_actions
from tests.faults.damage import GASKETS, edge_agent, governance
from tests.faults.forks import fork_server
from tests.faults.proxy import FAULTS, FORGED_JOB, FORGED_REASON, Plan, running_proxy
from tests.faults.report import GroupReport

SIZES = {
    "ci": {"rounds": 2, "per_round": 2, "backlog": 10},
    "full": {"rounds": 10, "per_round": 3, "backlog": 100},
}
"""Rounds per fault, actions queued per round, and the backlog left at the cut."""
CONVERGE_WITHIN_S = 120.0
GIVE_UP_AFTER_S = 300.0
LATENCY_S = 0.4
PUSH, PULL = "/v1/push", "/v1/pull"
TARGETS: dict[str, list[frozenset[str]]] = {
    "latency": [frozenset()],
    "forge": [frozenset({PUSH}), frozenset({PULL})],
    "lose_reply": [frozenset({PUSH}), frozenset({PULL})],
}
"""The paths each fault hurts, taking turns (the push alone when not named)."""
MUST_HIT = [
    *(f"{kind} {PUSH}" for kind in FAULTS if kind != "latency"),
    f"forge {PULL}",
    f"lose_reply {PULL}",
]
"""Faults (and paths) every run must have injected at least once."""
WAITING = {"queued", "awaiting_approval", "sent"}
SETTLED = {"applied", "quarantined", "rejected", "approved", "pruned"}
PRELOAD = (
    "tests.faults.children",
    "sync.server.__main__",
    "sync.server.app",
    "uvicorn",
)


def run(tier: str, work: Path, *, postgres: bool = True) -> GroupReport:
    report = GroupReport("network", tier)
    sizes = SIZES[tier]
    report.figures["sizes"] = sizes
    saved = os.environ.get("EDGE_AGENT_HOME")
    try:
        with ExitStack() as stack:
            forks = stack.enter_context(fork_server(work, *PRELOAD))
            url, token = prepare_centre(work / "centre")
            centre = Centre(forks, url, work / "centre", "network-centre")
            centre.start()
            stack.callback(centre.stop)
            proxy = stack.enter_context(running_proxy(centre.port, seed=22))
            home = work / "device"
            enrol(home, f"http://127.0.0.1:{proxy.port}", token)
            device = json.loads((home / "device.json").read_text())["device_id"]
            rig = Rig(report, home, url, device, proxy)
            rig.fault_rounds(sizes, random.Random(20260322))
            rig.cut_and_heal(sizes["backlog"])
            report.figures["requests_through_the_proxy"] = dict(proxy.requests)
            report.figures["faults_injected"] = dict(proxy.injected)
            report.check(
                "every fault was injected",
                all(proxy.injected[hit] > 0 for hit in MUST_HIT)
                and any(k.startswith("latency") for k in proxy.injected),
                dict(proxy.injected),
            )
            verdict = sqlite_integrity(Path(url.removeprefix("sqlite:///")))
            report.check("centre integrity_check", verdict == "ok", verdict)
    finally:
        if saved is None:
            os.environ.pop("EDGE_AGENT_HOME", None)
        else:
            os.environ["EDGE_AGENT_HOME"] = saved
    return report


def prepare_centre(data: Path) -> tuple[str, str]:
    """The centre's database with the default policy published; a token."""
    from policies.defaults import SOURCE_DIR

    url = f"sqlite:///{data / 'governance.db'}"
    base = ["--data-dir", str(data), "--database-url", url, "--as", "sam"]
    governance(*base, "policy", "publish", str(SOURCE_DIR))
    out = governance(*base, "device", "enroll-token")
    found = re.search(r"[A-Za-z0-9_\-]{20,}", out)
    assert found is not None, out
    return url, found.group()


def enrol(home: Path, server: str, token: str) -> None:
    """The demo's device, enrolled through the proxy (healed), synced once."""
    for argv in (
        ["demo", "--no-start"],
        ["enroll", "--server", server, "--token", token],
        ["sync"],
    ):
        code, out, err = edge_agent(home, argv)
        assert code == 0, (argv, out, err)


class Rig:
    """One device home, its centre and the proxy between them."""

    def __init__(
        self, report: GroupReport, home: Path, url: str, device: str, proxy: Any
    ) -> None:
        self.report, self.home, self.url = report, home, url
        self.device, self.proxy = device, proxy
        self.queued: set[str] = set()
        self.exits: Counter[str] = Counter()
        self.tracebacks: list[str] = []
        self.breaches: list[str] = []

    # --- the device --------------------------------------------------------------

    def queue(self, count: int) -> None:
        """Queue ``count`` orders with the command line; remember their keys."""
        before = set(outbox_states(self.home / "outbox.db"))
        for _ in range(count):
            argv = ["actions", "create", "order_part", "--args", GASKETS]
            code, out, err = edge_agent(self.home, [*argv, "--again", "--yes"])
            assert code == 0, (out, err)
        self.queued |= set(outbox_states(self.home / "outbox.db")) - before

    def sync(self, label: str) -> tuple[float, dict[str, Any]]:
        """``edge-agent sync --json``: its time and summary (empty if none)."""
        started = time.perf_counter()
        code, out, err = edge_agent(self.home, ["sync", "--json"])
        seconds = time.perf_counter() - started
        self.exits[f"{label}: exit {code}"] += 1
        if "Traceback" in err or code not in (0, 1):
            self.tracebacks.append(f"{label}: exit {code}: {err[-400:]}")
        try:
            summary = json.loads(out)
        except ValueError:
            summary = {}
        return seconds, summary

    # --- the invariants ----------------------------------------------------------

    def settled_elsewhere(self) -> list[str]:
        """Actions the device holds as settled that the centre does not hold
        so (a forged reply taken would put them here)."""
        stored = stored_actions(self.url, self.device)
        wrong = []
        for key, state in outbox_states(self.home / "outbox.db").items():
            if state not in SETTLED:
                continue
            at_centre = stored.get(key)
            if not at_centre or (state != "pruned" and at_centre[0] != state):
                wrong.append(f"{key}: {state} here, {at_centre} at the centre")
        return wrong

    def forged_landed(self) -> list[str]:
        """Any trace of a forged pull in the device's files."""
        found = []
        state = self.home / "sync_state.json"
        if state.exists():
            switch = json.loads(state.read_text()).get("kill_switch", {})
            if switch.get("agent") or FORGED_REASON in json.dumps(switch):
                found.append(f"kill switch: {switch}")
        for path in self.home.glob("*.json"):
            if FORGED_JOB in path.read_text(errors="replace"):
                found.append(f"{path.name} holds the forged job")
        return found

    def after_round(self, label: str) -> None:
        self.breaches += [f"{label}: {w}" for w in self.settled_elsewhere()]
        self.breaches += [f"{label}: {w}" for w in self.forged_landed()]

    # --- the phases --------------------------------------------------------------

    def fault_rounds(self, sizes: dict[str, int], rng: random.Random) -> None:
        """Every fault ``rounds`` times, in a shuffled order, one sync each."""
        order = [kind for kind in FAULTS for _ in range(sizes["rounds"])]
        rng.shuffle(order)
        seconds: dict[str, list[float]] = {kind: [] for kind in FAULTS}
        turns: Counter[str] = Counter()
        for n, kind in enumerate(order):
            targets = TARGETS.get(kind, [frozenset({PUSH})])
            turns[kind] += 1
            self.queue(sizes["per_round"])
            self.proxy.set(
                Plan(
                    kind,
                    targets[turns[kind] % len(targets)],
                    budget=-1 if kind == "latency" else rng.randint(1, 2),
                    latency_s=LATENCY_S,
                )
            )
            took, _ = self.sync(kind)
            self.proxy.heal()
            seconds[kind].append(took)
            self.after_round(f"round {n} ({kind})")
        self.report.figures["rounds"] = len(order)
        self.report.figures["sync_seconds_median_by_fault"] = {
            kind: round(statistics.median(s), 2) for kind, s in seconds.items() if s
        }
        self.report.figures["sync_exits"] = dict(self.exits)
        self.report.expect_zero("tracebacks or odd exits of sync", len(self.tracebacks))
        if self.tracebacks:
            self.report.figures["tracebacks"] = self.tracebacks[:3]
        self.report.expect_zero(
            "forged or lost replies that changed the device's state",
            len(self.breaches),
        )
        if self.breaches:
            self.report.figures["breaches"] = self.breaches[:10]

    def cut_and_heal(self, backlog: int) -> None:
        """Cut the network, queue a backlog, sync in vain; heal, then sync
        until device and centre converge, timed from the healing."""
        self.proxy.set(Plan("drop"))
        self.queue(backlog)
        self.sync("cut")
        self.proxy.heal()
        healed = time.perf_counter()
        syncs = 0
        while True:
            syncs += 1
            self.sync("healed")
            if not self.differences():
                converged: float | None = time.perf_counter() - healed
                break
            if time.perf_counter() - healed > GIVE_UP_AFTER_S:
                converged = None
                break
            time.sleep(0.5)
        self.after_round("after healing")
        states = outbox_states(self.home / "outbox.db")
        stored = stored_actions(self.url, self.device)
        lost = self.queued - set(stored)
        twice = [k for k, rows in stored.items() if len(rows) > 1]
        self.report.figures["actions_queued"] = len(self.queued)
        self.report.figures["device_states"] = dict(Counter(states.values()))
        self.report.figures["seconds_to_converge_after_healing"] = (
            None if converged is None else round(converged, 1)
        )
        self.report.figures["syncs_to_converge"] = syncs
        self.report.check(
            f"converged within {CONVERGE_WITHIN_S:.0f} s of healing",
            converged is not None and converged <= CONVERGE_WITHIN_S,
            self.differences()[:5] if converged is None else round(converged, 1),
        )
        self.report.expect_zero("lost", len(lost))
        self.report.expect_zero("applied twice", len(twice))
        self.report.expect_zero(
            "forged or lost replies that changed the device's state (after healing)",
            len(self.settled_elsewhere()) + len(self.forged_landed()),
        )

    def differences(self) -> list[str]:
        """What keeps device and centre apart: waiting actions, missing or
        different results."""
        states = outbox_states(self.home / "outbox.db")
        stored = stored_actions(self.url, self.device)
        found = [f"{k}: still {s}" for k, s in states.items() if s in WAITING]
        found += [f"{k}: not at the centre" for k in self.queued - set(stored)]
        found += self.settled_elsewhere()
        return found
