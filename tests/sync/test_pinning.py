"""Pinning the centre's certificate: fingerprints as typed, the pinned TLS
context in a real handshake, and the client's error when a pin fails."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sync import CentreNotTrusted, SyncClient
from sync.pinning import (
    CertificateMismatch,
    centre_tls,
    certificate_fingerprint,
    normalized_fingerprint,
)
from sync.protocol import PullRequest
from sync.server.tls import ServedCertificate, generate_certificate
from tests.sync.tls_support import handshake, server_context

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
PIN = "37a3" * 16


@pytest.fixture
def centre_certificate(tmp_path: Path) -> ServedCertificate:
    """A depot's self-signed certificate, valid now."""
    return generate_certificate(
        ("127.0.0.1",), days=2, out_dir=tmp_path / "a", now=datetime.now(UTC)
    )


@pytest.mark.parametrize(
    "typed",
    [
        PIN,
        PIN.upper(),
        ":".join(PIN[i : i + 2] for i in range(0, 64, 2)).upper(),
        f"sha256:{PIN}",
        f"  SHA256={PIN} ",
    ],
)
def test_a_fingerprint_is_read_in_the_forms_people_copy(typed: str) -> None:
    assert normalized_fingerprint(typed) == PIN


@pytest.mark.parametrize("typed", ["", PIN[:-1], PIN + "0", "g" * 64])
def test_anything_else_is_not_a_fingerprint(typed: str) -> None:
    with pytest.raises(ValueError, match="not a SHA-256 fingerprint"):
        normalized_fingerprint(typed)


def test_the_device_computes_the_fingerprint_the_centre_prints(
    centre_certificate: ServedCertificate,
) -> None:
    der = ssl.PEM_cert_to_DER_cert(centre_certificate.cert_file.read_text())

    assert certificate_fingerprint(der) == centre_certificate.fingerprint


def test_the_pinned_certificate_is_trusted_though_self_signed_and_recorded(
    centre_certificate: ServedCertificate,
) -> None:
    context = centre_tls(centre_certificate.fingerprint)

    handshake(context, server_context(centre_certificate), "any-name.example")

    assert context.seen == centre_certificate.fingerprint


def test_another_certificate_fails_the_handshake_naming_both(
    centre_certificate: ServedCertificate,
) -> None:
    context = centre_tls(PIN)

    with pytest.raises(CertificateMismatch) as refused:
        handshake(context, server_context(centre_certificate), "127.0.0.1")

    assert (refused.value.expected, refused.value.found) == (
        PIN,
        centre_certificate.fingerprint,
    )


def test_without_a_pin_a_self_signed_certificate_does_not_verify(
    centre_certificate: ServedCertificate,
) -> None:
    context = centre_tls(None)

    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        handshake(context, server_context(centre_certificate), "127.0.0.1")

    assert not isinstance(refused.value, CertificateMismatch)
    assert "self-signed" in str(refused.value)


def client(handler) -> SyncClient:
    http = httpx.Client(
        base_url="https://centre.test", transport=httpx.MockTransport(handler)
    )
    return SyncClient(
        http, device_id="dev-1", secret="s" * 32, clock=lambda: NOW, new_nonce=str
    )


def test_a_failed_pin_is_not_trusted_rather_than_offline() -> None:
    def handshake_refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("handshake", request=request) from (
            CertificateMismatch(PIN, "b" * 64)
        )

    with pytest.raises(CentreNotTrusted) as refused:
        client(handshake_refused).pull(PullRequest())

    assert (refused.value.expected, refused.value.found) == (PIN, "b" * 64)
    assert f"expects {PIN}" in refused.value.message
    assert "sync with --pin" in refused.value.message


def test_an_unverifiable_certificate_says_to_enrol_with_the_pin() -> None:
    def unverified(request: httpx.Request) -> httpx.Response:
        problem = ssl.SSLCertVerificationError(1, "certificate verify failed")
        problem.verify_message = "self-signed certificate"
        raise httpx.ConnectError("handshake", request=request) from problem

    with pytest.raises(CentreNotTrusted) as refused:
        client(unverified).pull(PullRequest())

    assert "(self-signed certificate)" in refused.value.message
    assert "--pin" in refused.value.message
    assert refused.value.expected is None
