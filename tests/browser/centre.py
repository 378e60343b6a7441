"""The centre as a depot runs it: a real ``edge-governance serve`` process on
a free loopback port, with its SQLite database and signing keys in a folder of
the caller's; waited for on ``/v1/health`` and stopped with Ctrl+C (SIGINT).

Unlike ``tests.sync.server.live.serving`` (uvicorn in a thread of the test),
this is the command a supervisor types, in a process of its own, so a browser
test sees exactly what a depot serves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.sync.server.live import wait_until
from tests.sync.server.postgres import free_port


class CentreFailed(RuntimeError):
    """The service process stopped, or never answered its health check."""


@dataclass(frozen=True, slots=True)
class Centre:
    """A running service: its address and where it keeps its files."""

    url: str
    data_dir: Path
    keys_dir: Path
    log: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'governance.db'}"

    @property
    def env(self) -> Mapping[str, str]:
        """The environment of a command of this centre (its keys folder)."""
        return {**os.environ, "EDGE_GOVERNANCE_KEYS_DIR": str(self.keys_dir)}

    def command(self, *args: str) -> list[str]:
        """The ``edge-governance`` command line ``args`` against this centre."""
        storage = ["--data-dir", str(self.data_dir)]
        storage += ["--database-url", self.database_url]
        return [sys.executable, "-m", "sync.server", *storage, *args]

    def run(
        self, *args: str, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``edge-governance args`` against this centre (not checked)."""
        return subprocess.run(
            self.command(*args),
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@contextmanager
def running_centre(root: Path, *, timeout: float = 30.0) -> Iterator[Centre]:
    """Serve a new centre from ``root`` until the block ends.

    Its database is ``root/centre/governance.db``, its keys ``root/centre-keys``
    and its log ``root/centre.log``.

    Raises:
        CentreFailed: the process stopped or did not answer within ``timeout``
            seconds (the message ends with its log).
    """
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    centre = Centre(
        url=f"http://127.0.0.1:{port}",
        data_dir=root / "centre",
        keys_dir=root / "centre-keys",
        log=root / "centre.log",
    )
    with centre.log.open("wb") as log:
        process = subprocess.Popen(
            centre.command("serve", "--host", "127.0.0.1", "--port", str(port)),
            env=centre.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(centre, process, timeout)
        yield centre
    finally:
        _stop(process, timeout)


def _wait_for_health(
    centre: Centre, process: subprocess.Popen[bytes], timeout: float
) -> None:
    try:
        wait_until(lambda: _answers(centre, process), timeout=timeout)
    except AssertionError as exc:
        raise CentreFailed(
            f"edge-governance serve did not answer {centre.url}/v1/health within "
            f"{timeout:g} s:\n{centre.log.read_text(errors='replace')}"
        ) from exc


def _answers(centre: Centre, process: subprocess.Popen[bytes]) -> bool:
    """Whether the service answers its health check; fails once it has exited."""
    if process.poll() is not None:
        raise CentreFailed(
            f"edge-governance serve exited with {process.returncode} before "
            f"answering:\n{centre.log.read_text(errors='replace')}"
        )
    try:
        health = httpx.get(f"{centre.url}/v1/health", timeout=2.0)
    except httpx.TransportError:
        return False  # not listening yet
    return health.status_code == 200


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Ctrl+C, as a supervisor stops it; killed if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
