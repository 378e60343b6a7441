"""Crash safety: workers writing to one outbox are killed with SIGKILL, often.

A fork server (``tests/sync/outbox_child.py serve``) imports everything once
and forks a worker process per request. Each cycle forks a few workers on the
same file, with different seeds. The parent follows each worker's progress on
the pipe and kills it a random number of commits into its work, then a random
fraction of a transaction later, so kills land before, inside and between
transactions; some are killed while they open the outbox (migrations, WAL
recovery). After every cycle the file must pass every invariant of
:func:`tests.sync.outbox_support.check_outbox`, and every action that a worker
reported as committed must be there.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import REPO_ROOT
from tests.sync.outbox_support import check_outbox

KILLS = 300
"""At least 200 kills in every run."""
WORKERS_PER_CYCLE = 3
MAX_COMMITS_BEFORE_KILL = 6
MAX_DELAY_S = 0.008
"""Up to about one transaction (one fsync with ``synchronous=FULL``)."""
EARLY_KILL_SHARE = 0.15
"""Share of kills timed from the fork, while the worker opens the outbox."""
MAX_EARLY_DELAY_S = 0.03
PROGRESS_TIMEOUT_S = 30.0
DEVICE = "crash-device"


@dataclass
class Worker:
    """One forked worker and what it reported before it died."""

    tag: str
    pid: int = 0
    lines: queue.Queue[list[str]] = field(default_factory=queue.Queue)
    committed: list[str] = field(default_factory=list)
    commits: int = 0
    last: str = "forked"
    """Its last event: where it died (``forked``: while opening the outbox)."""

    def take(self, timeout: float | None = None) -> bool:
        """Take one progress line; False when none came in time."""
        try:
            words = (
                self.lines.get(timeout=timeout) if timeout else self.lines.get_nowait()
            )
        except queue.Empty:
            return False
        self.last = words[0]
        if words[0] == "commit":
            self.commits += 1
            self.committed += words[1:]
        return True


class ForkServer:
    """The fork server: commands on its stdin, replies and progress on its stdout."""

    def __init__(self, process: subprocess.Popen[str], stderr: IO[str]) -> None:
        self.process = process
        self.stderr = stderr
        self.replies: queue.Queue[list[str]] = queue.Queue()
        self.workers: dict[str, Worker] = {}
        self._reader = threading.Thread(target=self._dispatch, daemon=True)
        self._reader.start()

    def fork(self, tag: str, db: Path, seed: int) -> Worker:
        self._send(f"fork {tag} {db} {DEVICE} {seed}")
        self._reply("pid")
        return self.workers[tag]

    def reap(self, worker: Worker) -> int:
        """Wait for the worker's death; its exit code (negative: a signal)."""
        self._send(f"wait {worker.pid}")
        return int(self._reply("exit")[2])

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def _reply(self, kind: str) -> list[str]:
        try:
            reply = self.replies.get(timeout=PROGRESS_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(f"no reply from the fork server: {self.errors()}")
        assert reply[0] == kind, reply
        return reply

    def _dispatch(self) -> None:
        """Route each line: worker progress to its worker, the rest as replies.

        Workers are registered here, on their first line or their pid reply,
        whichever comes first, so no line is ever without its worker.
        """
        assert self.process.stdout is not None
        for line in self.process.stdout:
            words = line.split()
            if words[0] == "pid":
                self.workers.setdefault(words[1], Worker(words[1])).pid = int(words[2])
                self.replies.put(words)
            elif words[0] == "exit":
                self.replies.put(words)
            else:
                self.workers.setdefault(words[0], Worker(words[0])).lines.put(words[1:])

    def errors(self) -> str:
        self.stderr.flush()
        return Path(self.stderr.name).read_text(errors="replace")


@contextmanager
def fork_server(tmp_path: Path) -> Iterator[ForkServer]:
    with (tmp_path / "server.err").open("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.outbox_child", "serve"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        server = ForkServer(process, stderr)
        try:
            yield server
        finally:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.wait(timeout=30)
            process.stdout.close()


def drive(worker: Worker, rng: random.Random) -> None:
    """Let the worker run a random amount of its own progress, then kill it."""
    if rng.random() < EARLY_KILL_SHARE:
        time.sleep(rng.uniform(0.0, MAX_EARLY_DELAY_S))
    else:
        target = rng.randint(0, MAX_COMMITS_BEFORE_KILL)
        while worker.commits < target:
            assert worker.take(timeout=PROGRESS_TIMEOUT_S), "worker stalled"
        time.sleep(rng.uniform(0.0, MAX_DELAY_S))
    os.kill(worker.pid, signal.SIGKILL)


def run_cycle(
    server: ForkServer, db: Path, rng: random.Random, cycle: int
) -> list[Worker]:
    """Fork the cycle's workers and kill each at its own point."""
    workers = [
        server.fork(f"c{cycle}w{i}", db, rng.randrange(2**32))
        for i in range(WORKERS_PER_CYCLE)
    ]
    threads = [
        threading.Thread(target=drive, args=(worker, random.Random(rng.random())))
        for worker in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        code = server.reap(worker)
        if code != -signal.SIGKILL:
            pytest.fail(f"worker {worker.tag} exited {code}:\n{server.errors()}")
        while worker.take():  # every line it wrote came before the exit reply
            pass
    return workers


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_random_points_leaves_every_action_whole_or_absent(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    rng = random.Random(20260302)
    committed: set[str] = set()
    died_in: Counter[str] = Counter()
    actions = 0
    with fork_server(tmp_path) as server:
        for cycle in range(KILLS // WORKERS_PER_CYCLE):
            for worker in run_cycle(server, db, rng, cycle):
                committed.update(worker.committed)
                died_in[worker.last] += 1
            if db.exists():
                actions = check_outbox(db, committed, device_id=DEVICE)
    assert died_in.total() >= 200
    # Kills landed while workers opened the outbox and inside their steps.
    assert died_in["forked"] >= 10 and died_in["begin"] >= 100, died_in
    assert actions > 0 and len(committed) > 100
