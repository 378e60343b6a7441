"""A fork server: imports the children's code once, then forks a child per request.

Killing processes hundreds of times would otherwise pay for an interpreter and
its imports at every kill. The server (``python -m tests.faults.forks
MODULE ...``) imports the named modules, then reads JSON commands on stdin:

    {"op": "fork", "tag": T, "target": "module:function", "args": {...}}
        -> {"op": "pid", "tag": T, "pid": N}
    {"op": "wait", "pid": N}  -> {"op": "exit", "pid": N, "code": C}

A child runs ``function(report, **args)``; ``report(event, **data)`` writes one
JSON line ``{"tag", "event", ...}`` on the shared stdout with a single
``write`` (atomic on a pipe), so the parent can follow each child's progress
and kill it at a point of its own work.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn

REPO_ROOT = Path(__file__).resolve().parents[2]
REPLY_TIMEOUT_S = 60.0


@dataclass
class Child:
    """One forked child and the events it reported."""

    tag: str
    pid: int = 0
    inbox: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last(self) -> str:
        """Its last event (``forked`` before any)."""
        return self.events[-1]["event"] if self.events else "forked"

    def take(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next event (waiting up to ``timeout``), or None."""
        try:
            event = (
                self.inbox.get(timeout=timeout) if timeout else self.inbox.get_nowait()
            )
        except queue.Empty:
            return None
        self.events.append(event)
        return event

    def wait_for(self, name: str, timeout: float = REPLY_TIMEOUT_S) -> dict[str, Any]:
        """Take events until one named ``name``."""
        while True:
            event = self.take(timeout)
            if event is None:
                raise TimeoutError(f"{self.tag}: no {name!r} event in {timeout} s")
            if event["event"] == name:
                return event

    def drain_events(self) -> None:
        while self.take() is not None:
            pass


class Forks:
    """The parent's handle on a fork server."""

    def __init__(self, process: subprocess.Popen[str], stderr: IO[str]) -> None:
        self.process = process
        self.stderr = stderr
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.children: dict[str, Child] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._dispatch, daemon=True).start()

    def fork(self, tag: str, target: str, **args: Any) -> Child:
        with self._lock:
            self._send({"op": "fork", "tag": tag, "target": target, "args": args})
            self._reply("pid")
        return self.children[tag]

    def reap(self, child: Child) -> int:
        """Wait for the child's end; its exit code (negative: a signal)."""
        with self._lock:
            self._send({"op": "wait", "pid": child.pid})
            code = int(self._reply("exit")["code"])
        child.drain_events()
        return code

    def errors(self) -> str:
        self.stderr.flush()
        return Path(self.stderr.name).read_text(errors="replace")[-3000:]

    def _send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def _reply(self, kind: str) -> dict[str, Any]:
        try:
            reply = self.replies.get(timeout=REPLY_TIMEOUT_S)
        except queue.Empty:
            raise RuntimeError(
                f"no reply from the fork server: {self.errors()}"
            ) from None
        if reply["op"] != kind:
            raise RuntimeError(f"fork server replied {reply}, not {kind}")
        return reply

    def _dispatch(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not an event: printed by something else
            if "op" in message:
                if message["op"] == "pid":
                    child = self.children.setdefault(
                        message["tag"], Child(message["tag"])
                    )
                    child.pid = message["pid"]
                self.replies.put(message)
            else:
                tag = message["tag"]
                self.children.setdefault(tag, Child(tag)).inbox.put(message)


@contextmanager
def fork_server(work: Path, *modules: str) -> Iterator[Forks]:
    """A fork server that has imported ``modules``; stopped at the end."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with (work / "forks.err").open("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.forks", *modules],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
        try:
            yield Forks(process, stderr)
        finally:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.wait(timeout=60)
            process.stdout.close()


def _target(name: str) -> Callable[..., None]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def _child(out: int, tag: str, target: str, args: dict[str, Any]) -> NoReturn:
    out = os.dup(out)
    os.dup2(2, 1)  # what the child prints goes to the log, not into the events

    def report(event: str, **data: Any) -> None:
        os.write(
            out, (json.dumps({"tag": tag, "event": event, **data}) + "\n").encode()
        )

    try:
        _target(target)(report, **args)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def serve(modules: list[str]) -> None:
    """Import ``modules``, then fork and reap children as commanded on stdin."""
    for module in modules:
        importlib.import_module(module)
    out = sys.stdout.fileno()

    def reply(**message: Any) -> None:
        os.write(out, (json.dumps(message) + "\n").encode())

    while line := sys.stdin.readline():
        command = json.loads(line)
        if command["op"] == "fork":
            _target(command["target"])  # imported before the fork, once
            pid = os.fork()
            if pid == 0:
                _child(out, command["tag"], command["target"], command["args"])
            reply(op="pid", tag=command["tag"], pid=pid)
        elif command["op"] == "wait":
            _, status = os.waitpid(command["pid"], 0)
            reply(op="exit", pid=command["pid"], code=os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    serve(sys.argv[1:])
