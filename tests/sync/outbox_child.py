"""The child process of the outbox crash test: writes to an outbox until killed.

Each worker opens the outbox and loops over what the app and the sync runner
do: queue actions (sometimes two of one turn in one transaction), save question
traces, push batches and record results or failures, cancel, acknowledge and
prune. Each step is one or two transactions, so workers on the same file never
race each other's reads.

Two ways to run it:

    python -m tests.sync.outbox_child run DB --device ID --seed N
        one worker, in this process.
    python -m tests.sync.outbox_child serve
        a fork server: imports everything once, then reads commands on stdin
        and forks a worker per ``fork`` command, so the crash test pays for
        the interpreter and imports once rather than once per kill.

Server commands, one per line, and their replies on stdout:

    fork TAG DB DEVICE SEED   ->  pid TAG PID     (the worker is running)
    wait PID                  ->  exit PID CODE   (negative: killed by signal)
    quit                      (the server exits)

Workers report their progress on the same stdout, one line per event written
with a single ``write`` (atomic on a pipe), so the parent can kill a worker at
a point measured in its own progress:

    TAG ready                   the outbox is open
    TAG begin                   a step's transactions are about to start
    TAG commit KEY KEY ...      a step committed (keys of the actions it queued)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from sqlite_utils import Database

from sync import FINAL_STATES, ActionState, Outbox
from tests.sync.outbox_support import sample_parts, sample_trace

RESULTS = (ActionState.APPLIED, ActionState.QUARANTINED, ActionState.REJECTED)
STARTS = (
    [ActionState.QUEUED] * 6
    + [ActionState.AWAITING_APPROVAL] * 2
    + [ActionState.DENIED, ActionState.PROPOSED]
)


def enqueue_turn(outbox: Outbox, rng: random.Random) -> list[str]:
    """One turn: one action, or two sharing the turn's trace, in one transaction."""
    trace = sample_trace(f"t-{rng.getrandbits(64):016x}", spans=rng.randint(3, 12))
    keys = []
    with outbox.atomic():
        for _ in range(1 if rng.random() < 0.8 else 2):
            parts = sample_parts(
                f"{rng.randrange(10_000):04d}-A20-339", rng.randint(1, 9)
            )
            action = outbox.enqueue(**parts, trace=trace, state=rng.choice(STARTS))
            keys.append(action.key)
    return keys


def push(outbox: Outbox, rng: random.Random) -> None:
    """A sync round: send a batch, then results for some, failures for others."""
    with outbox.atomic():
        batch = [p.action.key for p in outbox.pending(rng.randint(1, 6))]
        outbox.mark_sent(batch)
    with outbox.atomic():
        for key in batch:
            if rng.random() < 0.3:
                outbox.mark_failed([key], "centre unreachable", timedelta(seconds=0))
            else:
                outbox.mark_result(key, rng.choice(RESULTS), "checked by the centre")


def review(outbox: Outbox, rng: random.Random) -> None:
    """Cancel something queued, settle quarantined ones, acknowledge, prune."""
    with outbox.atomic():
        for action in outbox.list([ActionState.QUEUED], limit=1):
            outbox.cancel(action.key, actor="technician:ann", reason="not needed")
        for action in outbox.list([ActionState.QUARANTINED], limit=3):
            outbox.mark_result(action.key, rng.choice(RESULTS[::2]), "reviewed")
    with outbox.atomic():
        final = outbox.list(FINAL_STATES, limit=rng.randint(1, 8))
        outbox.acknowledge([action.key for action in final])
        outbox.prune_acknowledged(datetime.now(UTC))


def step(outbox: Outbox, rng: random.Random) -> list[str]:
    """One unit of work; the keys of the actions it queued."""
    roll = rng.random()
    if roll < 0.7:
        return enqueue_turn(outbox, rng)
    if roll < 0.8:
        outbox.save_trace(sample_trace(f"q-{rng.getrandbits(64):016x}", spans=4))
    elif roll < 0.95:
        push(outbox, rng)
    else:
        review(outbox, rng)
    return []


def work(db: Path, device: str, seed: int, tag: str, out: int) -> None:
    """Run one worker forever, reporting progress as ``TAG event`` lines on ``out``."""

    def report(*words: str) -> None:
        os.write(out, (" ".join((tag, *words)) + "\n").encode())

    rng = random.Random(seed)
    outbox = Outbox.open(db, device_id=device)
    report("ready")
    while True:
        report("begin")
        report("commit", *step(outbox, rng))


def serve(out: int) -> None:
    """Fork a worker per ``fork`` command; reap them on ``wait``."""

    def reply(*words: object) -> None:
        os.write(out, (" ".join(map(str, words)) + "\n").encode())

    Database(memory=True).close()  # load sqlite-utils' plugins before forking
    while line := sys.stdin.readline():
        command, *args = line.split()
        if command == "fork":
            tag, db, device, seed = args
            pid = os.fork()
            if pid == 0:
                worker(Path(db), device, int(seed), tag, out)
            reply("pid", tag, pid)
        elif command == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            reply("exit", args[0], os.waitstatus_to_exitcode(status))
        elif command == "quit":
            return


def worker(db: Path, device: str, seed: int, tag: str, out: int) -> NoReturn:
    """The forked worker: never returns into the server's loop."""
    try:
        work(db, device, seed, tag, out)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="one worker, in this process")
    run.add_argument("db", type=Path)
    run.add_argument("--device", required=True)
    run.add_argument("--seed", type=int, required=True)
    commands.add_parser("serve", help="a fork server, commands on stdin")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(sys.stdout.fileno())
    else:
        work(args.db, args.device, args.seed, "w0", sys.stdout.fileno())


if __name__ == "__main__":
    main()
