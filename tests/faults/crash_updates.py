"""Crash group, updates: SIGKILL the device while a sync installs a new policy
bundle and a new knowledge base version from the real centre.

The centre (``edge-governance serve`` on SQLite, from the fork server)
publishes an old policy and KB, a demo device home is enrolled and synced to
them, then the centre publishes a new policy (``policy publish``) and a new KB
(``kb publish``). Each trial copies a device home that holds the old versions
and runs ``edge-agent sync`` in a forked child whose output lines (the sync's
progress) are followed; the child is killed at a random offset after it
started or after one of its lines, the offsets spread over a whole sync as
timed first. No hook in product code.

After each kill, before any other sync: the policy in force (``policy show
--json``) is the old or the new version, not read-only, and its file hashes
to that version's bundle; the knowledge base passes ``kb check`` and holds the
old or the new version with that version's content (a fault code only the old
table has, a bulletin only the new version has); no temporary file is the live
one. Then one sync must bring both new versions.

Phases: ``policy`` (only the policy is new), ``kb`` (only the KB is new) and
``both`` (one sync takes both).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_agent.logs import forget_log_file
from knowledge_cache import KnowledgeStore
from tests.faults.centre import Centre
from tests.faults.damage import edge_agent, governance
from tests.faults.forks import Child, Forks
from tests.faults.report import GroupReport

SIZES = {"ci": 20, "full": 100}
"""Kills while a policy is taken, as many while a KB is, half as many for both."""
OLD_ONLY_CODE = "E-98"
"""A fault code in the old KB's code table, dropped from the new one."""
BULLETIN = "manuals/service-bulletin-e97.md"
"""A document only the new KB version has."""
OLD_ROW = (
    f"{OLD_ONLY_CODE},HydraFlow HP-300 series,Retired controller test code,"
    "Set by the factory test rig only.,Clear it with the controller reset.,info\n"
)
BULLETIN_TEXT = """# Service bulletin: fault E-97

## E-97: seal flush pressure low

HydraFlow HP-300 series controllers from firmware 4.2 report E-97
when the seal flush line pressure stays below 0.5 bar for a minute. Check
the flush line strainer and its isolation valve before restarting.
"""
SPREAD = 1.2
"""Kills after the pull's reply land within this share of what is left of a
whole sync as timed (a little past it: one sync takes longer than another,
and a child that finished first is checked all the same)."""
TEMPORARY = re.compile(r"(\.tmp$|\.new$|-journal$)")


@dataclass(frozen=True)
class Version:
    """What the device holds at one version of the policy and the KB."""

    policy: int
    policy_sha256: str
    kb: int


class Rig:
    """The centre, the device homes, and the old and new versions."""

    def __init__(self, forks: Forks, work: Path, rng: random.Random) -> None:
        self.forks, self.work, self.rng = forks, work, rng
        self.data = work / "centre"
        self.url = f"sqlite:///{self.data / 'governance.db'}"
        self.centre = Centre(forks, self.url, self.data, "update-centre")
        self.trials = 0

    def governance(self, *args: str) -> str:
        base = ["--data-dir", str(self.data), "--database-url", self.url]
        return governance(*base, "--as", "sam", *args)

    def publish_policy(self) -> None:
        from policies.defaults import SOURCE_DIR

        self.governance("policy", "publish", str(SOURCE_DIR))

    def publish_kb(self, *, new: bool) -> None:
        from edge_agent.knowledge import demo_data_dir

        folder = self.work / ("kb-new" if new else "kb-old")
        shutil.copytree(demo_data_dir(), folder)
        (folder / "jobs.json").unlink()
        if new:
            (folder / BULLETIN).write_text(BULLETIN_TEXT)
        else:
            with (folder / "fault-codes.csv").open("a") as table:
                table.write(OLD_ROW)
        self.governance("kb", "publish", str(folder))

    def enrolled_home(self, base: str) -> Path:
        """The demo, enrolled and synced to the centre's current versions."""
        out = self.governance("device", "enroll-token")
        found = re.search(r"[A-Za-z0-9_\-]{20,}", out)
        assert found is not None, out
        home = self.work / "template-old"
        for argv in (
            ["demo", "--no-start"],
            ["enroll", "--server", base, "--token", found.group()],
            ["sync"],
        ):
            code, out, err = edge_agent(home, argv)
            assert code == 0, (argv, out, err)
        return home

    def copy(self, template: Path, label: str) -> Path:
        self.trials += 1
        home = self.work / f"{label}-{self.trials}"
        shutil.copytree(template, home)
        return home

    def sync_child(self, home: Path) -> Child:
        """``edge-agent sync`` on ``home`` in a forked child, once it started."""
        child = self.forks.fork(
            f"{home.name}-sync",
            "tests.faults.children:edge_agent_lines",
            home=str(home),
            argv=["sync"],
        )
        child.wait_for("starting")
        return child

    def whole_sync(self, template: Path, label: str) -> tuple[Path, Timing]:
        """A copy of ``template`` synced to the end by a child, and the timing
        of the middle one of three such syncs."""
        timings = []
        for _ in range(3):
            home = self.copy(template, label)
            timings.append(self._timed(home))
        timings.sort(key=lambda timing: timing.seconds)
        return home, timings[1]

    def _timed(self, home: Path) -> Timing:
        child = self.sync_child(home)
        started = time.perf_counter()
        lines: list[tuple[float, str]] = []
        while (event := child.take(timeout=60)) is not None:
            if event["event"] == "line":
                lines.append((time.perf_counter() - started, event["text"]))
            if event["event"] == "done":
                break
        seconds = time.perf_counter() - started
        code = self.forks.reap(child)
        assert code == 0 and event and event["code"] == 0, (code, self.forks.errors())
        return Timing(seconds, tuple(lines))


@dataclass(frozen=True)
class Timing:
    """How long a whole sync took from its start, and when it wrote each of
    its output lines (seconds from its start)."""

    seconds: float
    lines: tuple[tuple[float, str], ...]

    def shown(self) -> dict[str, Any]:
        """Its seconds, and each line's offset (the first line of a kind)."""
        offsets: dict[str, float] = {}
        for offset, text in self.lines:
            offsets.setdefault(_kind(text), round(offset, 2))
        return {"seconds": round(self.seconds, 2), "lines": offsets}


def run_updates(
    report: GroupReport, forks: Forks, work: Path, kills: int, seed: int = 22
) -> None:
    """Kill the device ``kills`` times while it takes a new policy, as many
    while it takes a new KB, and half as many while it takes both at once."""
    work.mkdir(parents=True)
    rig = Rig(forks, work, random.Random(seed))
    rig.publish_policy()
    rig.publish_kb(new=False)
    base = rig.centre.start()
    try:
        old_home = rig.enrolled_home(base)
        old = held(old_home)
        rig.publish_policy()
        policy_home, policy_timing = rig.whole_sync(old_home, "policy-only")
        middle = held(policy_home)
        started = time.perf_counter()
        phases = [Phase("policy", old, middle, old_home, policy_timing, kills)]
        kill_phase(rig, phases[0])
        seconds = time.perf_counter() - started
        rig.publish_kb(new=True)
        new_home, both_timing = rig.whole_sync(old_home, "both")
        new = held(new_home)
        _, kb_timing = rig.whole_sync(policy_home, "kb-only")
        report.figures["update_versions"] = {
            "old": _shown(old),
            "new": _shown(new),
            "a_whole_sync": {
                "policy": policy_timing.shown(),
                "kb": kb_timing.shown(),
                "both": both_timing.shown(),
            },
        }
        report.check(
            "updates: the centre's new versions differ, and a whole sync takes them",
            old.policy < new.policy
            and old.kb < new.kb
            and old.policy_sha256 != new.policy_sha256
            and middle == Version(new.policy, new.policy_sha256, old.kb),
            {"old": old, "policy only": middle, "new": new},
        )
        phases += [
            Phase("kb", middle, new, policy_home, kb_timing, kills),
            Phase("both", old, new, old_home, both_timing, max(kills // 2, 1)),
        ]
        started = time.perf_counter()
        for phase in phases[1:]:
            kill_phase(rig, phase)
        seconds += time.perf_counter() - started
    finally:
        rig.centre.stop()
        forget_log_file()  # the last trial home is gone: log nowhere there
    record(report, phases, seconds)


@dataclass
class Phase:
    """One phase: the versions before and after, and its tally."""

    name: str
    before: Version
    after: Version
    template: Path
    timing: Timing
    kills: int
    finished_first: int = 0
    policy: Counter[str] = field(default_factory=Counter)
    kb: Counter[str] = field(default_factory=Counter)
    killed_after: Counter[str] = field(default_factory=Counter)
    leftovers: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    seen: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "kills": self.kills,
            "finished_before_the_kill": self.finished_first,
            "policy_in_force": dict(self.policy),
            "kb_in_force": dict(self.kb),
            "killed_after": dict(self.killed_after),
            "leftover_temporary_files": dict(self.leftovers),
        }

    def problem(self, kind: str, what: str) -> None:
        self.problems[kind] += 1
        self.seen.append(f"{self.name}: {kind}: {what}"[:300])


def kill_phase(rig: Rig, phase: Phase) -> None:
    """Each trial: a copy of the phase's home, a sync killed at a random point,
    the checks, then one sync that must bring the new versions."""
    for _ in range(phase.kills):
        home = rig.copy(phase.template, phase.name)
        child = rig.sync_child(home)
        _wait_then_kill(child, phase.timing, rig.rng)
        code = rig.forks.reap(child)
        if code == 0:
            phase.finished_first += 1
        elif code != -signal.SIGKILL:
            phase.problem("child failed", f"exit {code}: {rig.forks.errors()[-300:]}")
        phase.killed_after[_where(child)] += 1
        for name in leftovers(home):
            phase.leftovers[name] += 1
        policy, kb = inspect(home, phase)
        phase.policy[policy] += 1
        phase.kb[kb] += 1
        code, out, err = edge_agent(home, ["sync"])
        if code != 0:
            phase.problem("next sync failed", f"exit {code}: {out[-200:]} {err[-200:]}")
        elif inspect(home, phase, only_after=True) != ("new", "new"):
            phase.problem("next sync did not bring the new versions", str(held(home)))
        shutil.rmtree(home, ignore_errors=True)


def _wait_then_kill(child: Child, timing: Timing, rng: random.Random) -> None:
    """Kill at a random offset from the child's start (to the end of a whole
    sync), or from its last progress line (the pull's reply is in: what
    follows is the apply, up to the end of a whole sync)."""
    progress = [offset for offset, text in timing.lines if text.startswith("...")]
    if rng.random() < 0.7 and progress:
        seen = 0
        while seen < len(progress):
            event = child.take(timeout=60)
            if event is None or event["event"] == "done":
                break
            seen += event["event"] == "line" and event["text"].startswith("...")
        left = (timing.seconds - progress[-1]) * SPREAD
        time.sleep(rng.uniform(0.0, max(left, 0.01)))
    else:
        time.sleep(rng.uniform(0.0, timing.seconds))
    os.kill(child.pid, signal.SIGKILL)


def _where(child: Child) -> str:
    """The child's last output before it died, without its figures."""
    child.drain_events()
    last = child.events[-1] if child.events else {"event": "forked"}
    if last["event"] != "line":
        return str(last["event"])
    return _kind(str(last["text"]))


def _kind(line: str) -> str:
    """A line without its figures."""
    return re.sub(r"\d+", "N", line)[:40]


def inspect(home: Path, phase: Phase, *, only_after: bool = False) -> tuple[str, str]:
    """Which policy and which KB are in force ("old", "new" or "mix"), with
    each mismatch recorded as a problem of the phase."""
    allowed = (
        {"new": phase.after}
        if only_after
        else {
            "old": phase.before,
            "new": phase.after,
        }
    )
    return _policy(home, phase, allowed), _kb(home, phase, allowed)


def _policy(home: Path, phase: Phase, allowed: dict[str, Version]) -> str:
    code, out, err = edge_agent(home, ["policy", "show", "--json"])
    if code != 0:
        phase.problem("policy show failed", f"exit {code}: {err[-200:]}")
        return "unusable"
    shown = json.loads(out)
    if shown["read_only_reason"] is not None or shown["bundle"] is None:
        phase.problem("policy unusable", shown["status"])
        return "unusable"
    state = json.loads((home / "policy" / "state.json").read_text())
    digest = hashlib.sha256((home / "policy" / state["active"]).read_bytes())
    found = (shown["bundle"]["version"], digest.hexdigest())
    for name, version in allowed.items():
        if found == (version.policy, version.policy_sha256):
            return name
    phase.problem("policy mix", f"version {found[0]}, bundle {found[1][:12]}")
    return "mix"


def _kb(home: Path, phase: Phase, allowed: dict[str, Version]) -> str:
    code, _, err = edge_agent(home, ["kb", "check"])
    if code != 0:
        phase.problem("kb check failed", f"exit {code}: {err[-200:]}")
        return "damaged"
    with closing(KnowledgeStore.open(home / "knowledge.db")) as store:
        version = store.manifest().version
        documents = {entry.document_id for entry in store.manifest().documents}
        content = (
            bool(store.lookup_code(OLD_ONLY_CODE)),
            BULLETIN in documents,
        )
    # Every phase starts from the old KB: its content, else the new one's.
    expected = (True, False) if version == phase.before.kb else (False, True)
    for name, held_version in allowed.items():
        if version == held_version.kb:
            if content == expected:
                return name
            phase.problem("kb mix", f"version {version} holds {content}")
            return "mix"
    phase.problem("kb mix", f"version {version}, neither old nor new")
    return "mix"


def held(home: Path) -> Version:
    """The policy version, its bundle's hash and the KB version at ``home``."""
    code, out, err = edge_agent(home, ["policy", "show", "--json"])
    assert code == 0, err
    state = json.loads((home / "policy" / "state.json").read_text())
    digest = hashlib.sha256((home / "policy" / state["active"]).read_bytes())
    code, stats, err = edge_agent(home, ["kb", "stats", "--json"])
    assert code == 0, err
    return Version(
        json.loads(out)["bundle"]["version"],
        digest.hexdigest(),
        json.loads(stats)["version"],
    )


def leftovers(home: Path) -> list[str]:
    """Temporary files a killed sync left, named without their random part."""
    return sorted(
        re.sub(r"\.[^.]*(\.tmp)$", r"\1", str(path.relative_to(home)))
        for path in home.rglob("*")
        if TEMPORARY.search(path.name)
    )


def _shown(version: Version) -> dict[str, Any]:
    return {**vars(version), "policy_sha256": version.policy_sha256[:12]}


def record(report: GroupReport, phases: list[Phase], seconds: float) -> None:
    """The phases' figures and the invariants they must hold."""
    report.figures["update_kills"] = {
        "seconds": round(seconds, 1),
        **{phase.name: phase.figures() for phase in phases},
    }
    problems: Counter[str] = sum((p.problems for p in phases), Counter())
    for kind in (
        "child failed",
        "policy show failed",
        "policy unusable",
        "policy mix",
        "kb check failed",
        "kb mix",
        "next sync failed",
        "next sync did not bring the new versions",
    ):
        report.expect_zero(f"updates: {kind}", problems[kind])
    seen = [line for phase in phases for line in phase.seen]
    if seen:
        report.figures["update_problems"] = seen[:10]
    for phase in phases:
        both_sides = (
            phase.policy["old"] and phase.policy["new"]
            if phase.name == "policy"
            else phase.kb["old"] and phase.kb["new"]
        )
        report.check(
            f"updates ({phase.name}): kills landed before and after the change",
            bool(both_sides),
            {"policy": dict(phase.policy), "kb": dict(phase.kb)},
        )


def main(argv: list[str] | None = None) -> int:
    """Run only this part of the crash group: ``python -m
    tests.faults.crash_updates --tier ci|full [--out report.json]``."""
    import argparse
    import tempfile

    from tests.faults.crash import PRELOAD
    from tests.faults.forks import fork_server
    from tests.faults.report import render

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=tuple(SIZES), default="ci")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    report = GroupReport("crash", args.tier)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="faults-") as work,
        fork_server(Path(work), *PRELOAD) as forks,
    ):
        run_updates(report, forks, Path(work) / "updates", SIZES[args.tier])
    report.seconds = time.perf_counter() - started
    print(render(report))  # noqa: T201
    if args.out:
        args.out.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
