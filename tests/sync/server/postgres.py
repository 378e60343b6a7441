"""A throw-away PostgreSQL server for the storage tests, from the Debian package.

``initdb`` and ``pg_ctl`` run as the ``postgres`` system user (through
``runuser``) when the tests run as root, since PostgreSQL refuses to run as
root. The cluster lives in a fresh folder under the system temp folder,
listens on 127.0.0.1 on a free port, trusts local connections, and runs with
fsync off (tests need speed, not durability).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SEARCH = "/usr/lib/postgresql/*/bin"


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def server_binaries() -> Path:
    """The newest installed PostgreSQL ``bin`` folder.

    Raises:
        PostgresMissing: none is installed.
    """
    found = sorted(
        (Path(p) for p in glob.glob(SEARCH) if (Path(p) / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresMissing(
            f"PostgreSQL is not installed (no initdb under {SEARCH}); the project's "
            "set-up script installs the Debian package 'postgresql'."
        )
    return found[-1]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running cluster: its port and a superuser URL per database."""

    port: int
    user: str = "postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A new empty database for one test, dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
            yield self.url(name)
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a cluster in a temp folder; stop it and delete the folder at the end.

    Raises:
        PostgresMissing: PostgreSQL is not installed.
        subprocess.CalledProcessError: it failed to start (its log is attached).
    """
    binaries = server_binaries()
    base = Path(tempfile.mkdtemp(prefix="edge-governance-pg-"))
    data, log = base / "data", base / "server.log"
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres", group="postgres")
    port = free_port()
    try:
        run(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        try:
            yield PostgresServer(port)
        finally:
            run(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            )
    except subprocess.CalledProcessError as exc:
        text = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(
            f"PostgreSQL failed: {exc}\n{exc.stderr}\n{text[-2000:]}"
        ) from exc
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run(command: list[str]) -> None:
    """Run a PostgreSQL tool (as ``postgres`` when root), failing loudly."""
    subprocess.run(
        _as_postgres(command), check=True, capture_output=True, text=True, timeout=120
    )
