"""What the fork server's children run: a device that queues and syncs until it
is killed, and the centre's real ``serve`` command.

Each function takes ``report(event, **data)`` first (see :mod:`tests.faults.forks`)
and the JSON arguments of its ``fork`` command.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from sync import Outbox
from sync.runner_models import RetryPolicy
from tests.benchmarks.bench_sync import default_policy, drain_device, queue_action

Report = Callable[..., None]

QUICK_RETRY = RetryPolicy(
    base=timedelta(milliseconds=20),
    cap=timedelta(milliseconds=200),
    max_attempts=2,
    held_delay=timedelta(0),
    refused_delay=timedelta(0),
)
"""Retries compressed to milliseconds: the suite measures convergence, not waits."""


def enqueue(report: Report, db: str, device: str, technician: str, seed: int) -> None:
    """Queue turns of one or two actions, one transaction each, forever."""
    rng = random.Random(seed)
    policy = default_policy()
    with closing(Outbox.open(Path(db), device_id=device)) as outbox:
        report("ready")
        while True:
            report("begin")
            with outbox.atomic():
                keys = [
                    queue_action(outbox, policy, rng, technician, 3)
                    for _ in range(1 if rng.random() < 0.8 else 2)
                ]
            report("commit", keys=keys)


def sync(
    report: Report,
    db: str,
    url: str,
    device: str,
    technician: str,
    secret: str,
    seed: int,
    batch: int,
) -> None:
    """Queue a turn, then sync everything queued, forever (until killed)."""
    rng = random.Random(seed)
    policy = default_policy()
    while True:
        with closing(Outbox.open(Path(db), device_id=device)) as outbox:
            report("begin")
            with outbox.atomic():
                key = queue_action(outbox, policy, rng, technician, 3)
            report("commit", keys=[key])

        def progress(step: Any) -> None:
            report("push", stage=str(step.stage), sent=step.sent)

        result = drain_device(
            url, Path(db), device, secret, batch, retry=QUICK_RETRY, progress=progress
        )
        report("synced", sent=result.sent, stopped=str(result.stopped or ""))


def centre(report: Report, url: str, data_dir: str, port: int) -> None:
    """The centre's own ``edge-governance serve`` on 127.0.0.1:``port``."""
    from sync.server.__main__ import main

    os.environ.pop("EDGE_GOVERNANCE_DATABASE_URL", None)
    report("starting")
    main(["--database-url", url, "--data-dir", data_dir, "serve", "--port", str(port)])


def edge_agent(report: Report, home: str, argv: list[str]) -> None:
    """One ``edge-agent`` command on the device whose home is ``home``."""
    from edge_agent.__main__ import main

    os.environ["EDGE_AGENT_HOME"] = home
    report("starting")
    code = main(argv)
    report("done", code=code)


def edge_agent_lines(report: Report, home: str, argv: list[str]) -> None:
    """One ``edge-agent`` command whose output lines (the sync's progress
    among them) are each reported as a ``line`` event the moment they are
    written, so the parent can kill it at a point of its own work."""
    from edge_agent.__main__ import main

    os.environ["EDGE_AGENT_HOME"] = home
    lines = _Lines(report)
    report("starting")
    with contextlib.redirect_stdout(lines), contextlib.redirect_stderr(lines):
        code = main(argv)
    report("done", code=code)


class _Lines(io.TextIOBase):
    """A text stream that reports each complete line it is given."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *whole, self._pending = self._pending.split("\n")
        for line in whole:
            self._report("line", text=line)
        return len(text)
