"""The centre's TLS certificate: making a self-signed one, checking the pair
served, and its fingerprint.

A fingerprint is the SHA-256 of the leaf certificate in DER form, as 64
lowercase hex digits: the form a device pins (``edge-agent enroll --pin``),
the same as ``openssl x509 -noout -fingerprint -sha256`` without its colons.
A depot without its own certificate authority makes a self-signed
certificate with :func:`generate_certificate`; one with a certificate from
its own or a public authority serves that. :func:`served_certificate` checks
the pair before the service starts, so a wrong file is a clear error rather
than a failure inside the web server.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sync.server.errors import ConfigInvalid

CERT_FILE = "centre-cert.pem"
KEY_FILE = "centre-key.pem"
MAX_DAYS = 3650


@dataclass(frozen=True, slots=True)
class ServedCertificate:
    """A certificate and its key, checked to belong together.

    Attributes:
        cert_file: The certificate (PEM; the leaf first, then any chain).
        key_file: Its private key (PEM, not password-protected).
        fingerprint: The leaf certificate's SHA-256 fingerprint.
        hosts: The names and addresses the certificate is for.
        not_after: When it expires (UTC).
    """

    cert_file: Path
    key_file: Path
    fingerprint: str
    hosts: tuple[str, ...]
    not_after: datetime


def certificate_fingerprint(der: bytes) -> str:
    """The fingerprint of a certificate in DER form (64 hex digits)."""
    return hashlib.sha256(der).hexdigest()


def generate_certificate(
    hosts: Sequence[str], *, days: int, out_dir: Path, now: datetime
) -> ServedCertificate:
    """Make a self-signed certificate and its key in ``out_dir``.

    The key (ECDSA P-256) is written readable by its owner only (0600); an
    existing file is never overwritten.

    Args:
        hosts: Host names and IP addresses the centre is reached at.
        days: How long the certificate is valid.
        out_dir: Where to write ``centre-cert.pem`` and ``centre-key.pem``.
        now: The start of its validity (timezone-aware).

    Raises:
        ConfigInvalid: no host, a bad host or duration, an existing file, or
            the folder cannot be written.
    """
    names = _subject_names(hosts)
    if not 1 <= days <= MAX_DAYS:
        raise ConfigInvalid(f"--days must be 1 to {MAX_DAYS}, not {days}.")
    cert_file, key_file = out_dir / CERT_FILE, out_dir / KEY_FILE
    for path in (cert_file, key_file):
        if path.exists():
            raise ConfigInvalid(
                f"{path} exists already; nothing was written. Move it aside (the "
                "devices pinned to it must then be enrolled again) or choose "
                "another --out folder."
            )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, hosts[0], names, now, timedelta(days=days))
    _write(key_file, _key_pem(key), mode=0o600)
    _write(cert_file, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return served_certificate(cert_file, key_file)


def served_certificate(cert_file: Path, key_file: Path) -> ServedCertificate:
    """Check that ``cert_file`` and ``key_file`` can be served together.

    Raises:
        ConfigInvalid: a file is missing or unreadable, is not PEM, the key
            is password-protected, or the key does not belong to the
            certificate; the message names the file and what to do.
    """
    leaf = _leaf(cert_file, _read(cert_file, "certificate"))
    key = _private_key(key_file, _read(key_file, "key"))
    if _public(leaf.public_key()) != _public(key.public_key()):
        raise ConfigInvalid(
            f"The key {key_file} does not belong to the certificate {cert_file}. "
            "Give the key the certificate was made for, or make a new pair with "
            "edge-governance tls generate."
        )
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert_file, key_file)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigInvalid(
            f"The certificate {cert_file} and key {key_file} cannot be served "
            f"({exc}). Check both files, or make a new pair with edge-governance "
            "tls generate."
        ) from exc
    return ServedCertificate(
        cert_file=cert_file,
        key_file=key_file,
        fingerprint=certificate_fingerprint(
            leaf.public_bytes(serialization.Encoding.DER)
        ),
        hosts=_hosts(leaf),
        not_after=leaf.not_valid_after_utc,
    )


def _subject_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    if not hosts:
        raise ConfigInvalid(
            "Name at least one --host the devices reach the centre at "
            "(a host name or an IP address)."
        )
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            if not host or any(c.isspace() or c in "/:@" for c in host):
                raise ConfigInvalid(
                    f"{host!r} is neither a host name nor an IP address."
                ) from None
            names.append(x509.DNSName(host))
    return names


def _self_signed(
    key: ec.EllipticCurvePrivateKey,
    common_name: str,
    names: list[x509.GeneralName],
    now: datetime,
    valid_for: timedelta,
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "edge-governance"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .sign(key, hashes.SHA256())
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (never a wider moment)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(path, mode)
    except OSError as exc:
        raise ConfigInvalid(
            f"Cannot write {path} ({exc.strerror or exc}); choose a folder you "
            "can write with --out."
        ) from exc


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigInvalid(
            f"The TLS {what} file {path} does not exist. Give the right path "
            "(--tls-cert/--tls-key or EDGE_GOVERNANCE_TLS_CERT/_KEY), or make a "
            "pair with edge-governance tls generate."
        ) from None
    except OSError as exc:
        raise ConfigInvalid(
            f"Cannot read the TLS {what} file {path} ({exc.strerror or exc}); the "
            "service's user must be able to read it."
        ) from exc


def _leaf(path: Path, data: bytes) -> x509.Certificate:
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError:
        chain = []
    if not chain:
        raise ConfigInvalid(
            f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----). "
            "Give the certificate file, not the key or a DER file."
        )
    return chain[0]


def _private_key(path: Path, data: bytes) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigInvalid(
            f"The key {path} is protected by a password, which the service "
            "cannot type: store it without one, readable by the service's "
            "user only."
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigInvalid(
            f"{path} holds no PEM private key (-----BEGIN PRIVATE KEY-----). "
            "Give the key file, not the certificate."
        ) from exc


def _public(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _hosts(certificate: x509.Certificate) -> tuple[str, ...]:
    try:
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(
        [*names.get_values_for_type(x509.DNSName)]
        + [str(a) for a in names.get_values_for_type(x509.IPAddress)]
    )
