"""The centre's TLS certificate: ``tls generate``, the pair checks before
``serve`` starts, and the fingerprint devices pin."""

from __future__ import annotations

import hashlib
import re
import ssl
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sync.server.__main__ import main
from sync.server.errors import ConfigInvalid
from sync.server.tls import (
    CERT_FILE,
    KEY_FILE,
    ServedCertificate,
    generate_certificate,
    served_certificate,
)
from tests.sync.tls_support import handshake, server_context

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HOSTS = ("127.0.0.1", "localhost")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def generated(folder: Path) -> ServedCertificate:
    return generate_certificate(HOSTS, days=30, out_dir=folder, now=NOW)


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what ``serve`` would hand uvicorn instead of serving.

    Why: the checks under test happen before uvicorn starts; a real server
    would block the test (the live tests serve for real).
    """
    calls: list[dict[str, Any]] = []

    def record(app: object, **options: Any) -> None:
        calls.append(options)

    monkeypatch.setattr(uvicorn, "run", record)
    return calls


def test_generate_writes_the_key_for_its_owner_only(tmp_path: Path) -> None:
    served = generated(tmp_path / "tls")

    assert served.key_file == tmp_path / "tls" / KEY_FILE
    assert stat.S_IMODE(served.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(served.cert_file.stat().st_mode) == 0o644
    assert served.hosts == ("localhost", "127.0.0.1")


def test_the_fingerprint_is_the_sha256_of_the_certificate_der_and_stable(
    tmp_path: Path,
) -> None:
    served = generated(tmp_path)
    der = ssl.PEM_cert_to_DER_cert(served.cert_file.read_text())

    assert served.fingerprint == hashlib.sha256(der).hexdigest()
    assert served_certificate(served.cert_file, served.key_file) == served


def test_a_client_trusting_the_file_verifies_it_for_the_hosts_named(
    tmp_path: Path,
) -> None:
    served = generate_certificate(
        HOSTS, days=30, out_dir=tmp_path, now=datetime.now(UTC)
    )
    client = ssl.create_default_context(cafile=served.cert_file)

    handshake(client, server_context(served), "127.0.0.1")
    handshake(client, server_context(served), "localhost")
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        handshake(client, server_context(served), "depot.example")


def test_generate_never_overwrites_a_key(tmp_path: Path) -> None:
    first = generated(tmp_path)
    key = first.key_file.read_bytes()

    with pytest.raises(ConfigInvalid, match="exists already; nothing was written"):
        generated(tmp_path)
    assert first.key_file.read_bytes() == key


@pytest.mark.parametrize(
    ("hosts", "days", "problem"),
    [
        ((), 30, "at least one --host"),
        (("centre depot",), 30, "neither a host name nor an IP address"),
        (("127.0.0.1",), 0, "--days must be"),
    ],
)
def test_generate_refuses_bad_hosts_and_durations(
    tmp_path: Path, hosts: tuple[str, ...], days: int, problem: str
) -> None:
    with pytest.raises(ConfigInvalid, match=problem):
        generate_certificate(hosts, days=days, out_dir=tmp_path, now=NOW)
    assert list(tmp_path.iterdir()) == []


def test_the_command_prints_the_fingerprint_and_how_to_serve(
    tmp_path: Path, capsys
) -> None:
    out_dir = tmp_path / "tls"
    code, out, err = run(
        capsys, "tls", "generate", "--host", "127.0.0.1", "--out", str(out_dir)
    )

    assert code == 0, err
    fingerprint = out.strip()
    cert = served_certificate(out_dir / CERT_FILE, out_dir / KEY_FILE)
    assert fingerprint == cert.fingerprint
    assert f"--pin {fingerprint}" in err
    code, out, _ = run(
        capsys,
        "tls",
        "show",
        "--tls-cert",
        str(out_dir / CERT_FILE),
        "--tls-key",
        str(out_dir / KEY_FILE),
    )
    assert (code, out.strip()) == (0, fingerprint)


def test_serve_hands_the_pair_to_uvicorn_and_prints_the_fingerprint(
    tmp_path: Path, capsys, no_serving
) -> None:
    served = generated(tmp_path / "tls")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(tmp_path / "centre"),
        "serve",
        "--tls-cert",
        str(served.cert_file),
        "--tls-key",
        str(served.key_file),
    )

    assert code == 0, err
    assert "Serving on https://127.0.0.1:8470" in err
    assert f"SHA-256 {served.fingerprint}" in err
    (options,) = no_serving
    assert options["ssl_certfile"] == served.cert_file
    assert options["ssl_keyfile"] == served.key_file


def test_serve_reads_the_pair_from_the_environment(
    tmp_path: Path, capsys, no_serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = generated(tmp_path / "tls")
    monkeypatch.setenv("EDGE_GOVERNANCE_TLS_CERT", str(served.cert_file))
    monkeypatch.setenv("EDGE_GOVERNANCE_TLS_KEY", str(served.key_file))

    code, _, err = run(capsys, "--data-dir", str(tmp_path / "centre"), "serve")

    assert code == 0, err
    assert no_serving[0]["ssl_certfile"] == served.cert_file


def test_serve_without_a_pair_stays_plain_http(
    tmp_path: Path, capsys, no_serving
) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "centre"), "serve")

    assert code == 0, err
    assert "Serving on http://127.0.0.1:8470" in err
    assert no_serving[0]["ssl_certfile"] is None


def _password_protected(folder: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    path = folder / "locked.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"hush"),
        )
    )
    return path


@pytest.mark.parametrize(
    ("pair", "problem"),
    [
        (lambda a, b, d: (a.cert_file, b.key_file), "does not belong to"),
        (lambda a, b, d: (a.cert_file, None), "--tls-key .* is missing"),
        (lambda a, b, d: (None, a.key_file), "--tls-cert .* is missing"),
        (lambda a, b, d: (d / "nowhere.pem", a.key_file), "does not exist"),
        (lambda a, b, d: (a.key_file, a.key_file), "holds no PEM certificate"),
        (lambda a, b, d: (a.cert_file, a.cert_file), "holds no PEM private key"),
        (
            lambda a, b, d: (a.cert_file, _password_protected(d)),
            "protected by a password",
        ),
    ],
    ids=[
        "mismatched",
        "no-key",
        "no-cert",
        "missing-file",
        "key-as-cert",
        "cert-as-key",
        "password",
    ],
)
def test_serve_refuses_an_unusable_pair_before_serving(
    tmp_path: Path, capsys, no_serving, pair, problem: str
) -> None:
    first, second = generated(tmp_path / "a"), generated(tmp_path / "b")
    cert, key = pair(first, second, tmp_path)
    args = ["--data-dir", str(tmp_path / "centre"), "serve"]
    args += ["--tls-cert", str(cert)] if cert else []
    args += ["--tls-key", str(key)] if key else []

    code, _, err = run(capsys, *args)

    assert code == 2
    assert err.startswith("error: ")
    assert re.search(problem, err), err
    assert no_serving == []
    assert not (tmp_path / "centre" / "governance.db").exists()
