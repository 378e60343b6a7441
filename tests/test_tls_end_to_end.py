"""The centre over HTTPS on loopback, with a certificate the depot made
itself: the device enrols with the pin ``serve`` shows, syncs, and refuses
the centre once it serves another certificate, until enrolled again.

Both command lines run for real against uvicorn on 127.0.0.1 with TLS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from edge_agent.__main__ import main as edge_agent
from edge_agent.depot.enrolment import read_credentials
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from sync.server.tls import CERT_FILE, KEY_FILE
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
IMPELLERS = '{"part_number": "4471-A20-339", "quantity": 2, "job_id": "J-1001"}'


def run(capsys, command, *args: str) -> tuple[int, str, str]:
    code = command(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, command, *args: str) -> str:
    code, out, err = run(capsys, command, *args)
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out


class Depot:
    """The supervisor's side: a data folder, certificates, tokens."""

    def __init__(self, root: Path, capsys) -> None:
        self.root, self.capsys = root, capsys
        self.data = root / "centre"
        self.url = f"sqlite:///{self.data / 'governance.db'}"

    def governance(self, *args: str) -> str:
        base = ["--data-dir", str(self.data), "--database-url", self.url]
        return ok(self.capsys, governance, *base, *args)

    def certificate(self, name: str) -> tuple[tuple[Path, Path], str]:
        """A self-signed pair made by ``tls generate``, and its fingerprint."""
        folder = self.root / name
        out = self.governance(
            "tls", "generate", "--host", "127.0.0.1", "--host", "localhost",
            "--out", str(folder),
        )  # fmt: skip
        return (folder / CERT_FILE, folder / KEY_FILE), out.strip()

    def token(self) -> str:
        found = re.search(
            r"[A-Za-z0-9_\-]{20,}", self.governance("device", "enroll-token")
        )
        assert found is not None
        return found.group()

    def app(self):
        return create_app(ServerSettings(data_dir=self.data, database_url=self.url))


def order(capsys, arguments: str) -> None:
    ok(
        capsys,
        edge_agent,
        "actions",
        "create",
        "order_part",
        "--yes",
        "--args",
        arguments,
    )


def queued(capsys) -> list[bool]:
    """For each action in order, whether it still waits to be sent."""
    out = ok(capsys, edge_agent, "actions", "list", "--json")
    waiting = {"queued", "awaiting_approval"}
    actions = sorted(json.loads(out), key=lambda action: action["seq"])
    return [action["state"] in waiting for action in actions]


def test_a_pinned_device_syncs_over_https_and_refuses_a_changed_certificate(
    tmp_path: Path, capsys, isolated_home: Path
) -> None:
    depot = Depot(tmp_path, capsys)
    first, first_pin = depot.certificate("first")
    second, second_pin = depot.certificate("second")
    token = depot.token()
    ok(capsys, edge_agent, "demo", "--no-start")

    with serving(depot.app(), tls=first) as server:
        assert server.startswith("https://127.0.0.1:")
        # Without the pin, the depot's own certificate cannot be verified.
        code, _, err = run(
            capsys, edge_agent, "enroll", "--server", server, "--token", token
        )
        assert code == 1
        assert "cannot verify" in err and "--pin" in err
        # A wrong pin is refused at the first contact; the token stays usable.
        wrong = second_pin
        code, _, err = run(
            capsys, edge_agent, "enroll", "--server", server, "--token", token,
            "--pin", wrong,
        )  # fmt: skip
        assert code == 1
        assert f"fingerprint {first_pin}, not the {wrong} given with --pin" in err
        assert read_credentials(isolated_home) is None
        out = ok(
            capsys, edge_agent, "enroll", "--server", server, "--token", token,
            "--pin", first_pin.upper(),
        )  # fmt: skip
        assert f"pinned (SHA-256 {first_pin})" in out
        order(capsys, GASKETS)
        out = ok(capsys, edge_agent, "sync")
        assert "Sent 1 action(s)" in out
    credentials = read_credentials(isolated_home)
    assert credentials is not None and credentials.centre_certificate == first_pin
    assert queued(capsys) == [False]

    # The centre comes back with another certificate: nothing is sent to it.
    order(capsys, IMPELLERS)
    with serving(depot.app(), tls=second) as server:
        code, out, err = run(capsys, edge_agent, "sync", "--server", server)
        assert code == 1, out
        assert f"fingerprint {second_pin}" in err
        assert f"this device expects {first_pin}" in err
        assert "sync with --pin" in err and "enrol the device again" in err
        assert queued(capsys) == [False, True]

        # With the new pin from the supervisor, the device syncs what waited
        # and trusts the new certificate from then on.
        ok(capsys, edge_agent, "sync", "--server", server, "--pin", second_pin)
        assert queued(capsys) == [False, False]
        ok(capsys, edge_agent, "sync", "--server", server)
    credentials = read_credentials(isolated_home)
    assert credentials is not None and credentials.centre_certificate == second_pin
