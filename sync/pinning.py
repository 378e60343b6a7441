"""Pinning the centre's TLS certificate on the device.

A fingerprint is the SHA-256 of the centre's leaf certificate in DER form,
written as 64 lowercase hex digits: what ``edge-governance serve`` and
``edge-governance tls generate`` print, and what ``openssl x509 -noout
-fingerprint -sha256`` shows with colons (both spellings are accepted).

:func:`centre_tls` builds the TLS settings the device's HTTP client uses:

- with a pin, the centre's certificate must be exactly the pinned one, and
  nothing else is asked of it (a self-signed certificate is trusted through
  the pin, not through any authority);
- without a pin, the certificate must verify against the usual certificate
  authorities and the centre's host name, as any HTTPS client does.

Either way the fingerprint of the certificate seen is kept in
:attr:`CentreTLS.seen`, so enrolment can pin what it first met. A pinned
certificate that differs fails the handshake with :class:`CertificateMismatch`
before any request leaves; :mod:`sync.http_failures` turns that into
:class:`~sync.errors.CentreNotTrusted`.
"""

from __future__ import annotations

import hashlib
import re
import ssl

import certifi

__all__ = [
    "CentreTLS",
    "CertificateMismatch",
    "centre_tls",
    "certificate_fingerprint",
    "normalized_fingerprint",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def certificate_fingerprint(der: bytes) -> str:
    """The fingerprint of a certificate given in DER form (64 hex digits)."""
    return hashlib.sha256(der).hexdigest()


def normalized_fingerprint(text: str) -> str:
    """A fingerprint as typed (any case, colons, ``sha256:`` before it) in
    the form it is stored and compared in.

    Raises:
        ValueError: it is not 64 hex digits once those are set aside.
    """
    compact = re.sub(r"[\s:]", "", text.strip().lower())
    compact = compact.removeprefix("sha256=").removeprefix("sha256")
    if not _HEX64.fullmatch(compact):
        raise ValueError(
            f"{text!r} is not a SHA-256 fingerprint (64 hex digits, colons "
            "allowed), as edge-governance serve prints it"
        )
    return compact


class CertificateMismatch(ssl.SSLCertVerificationError):
    """The centre's certificate is not the pinned one.

    Attributes:
        expected: The pinned fingerprint.
        found: The fingerprint of the certificate the centre presented.
    """

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"the certificate's SHA-256 fingerprint is {found}, "
            f"not the pinned {expected}"
        )
        self.expected = expected
        self.found = found


class _CheckedSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        _check(self.context, self.getpeercert(binary_form=True))


class _CheckedObject(ssl.SSLObject):
    def do_handshake(self) -> None:
        super().do_handshake()
        _check(self.context, self.getpeercert(binary_form=True))


class CentreTLS(ssl.SSLContext):
    """A client TLS context that checks the pin once each handshake is done.

    Build it with :func:`centre_tls`.

    Attributes:
        pin: The fingerprint the centre's certificate must have, or ``None``
            to verify it against the certificate authorities instead.
        seen: The fingerprint of the last certificate the centre presented.
    """

    sslsocket_class = _CheckedSocket
    sslobject_class = _CheckedObject
    pin: str | None
    seen: str | None


def centre_tls(pin: str | None) -> CentreTLS:
    """TLS settings for the device's connections to the centre.

    Args:
        pin: The centre's certificate fingerprint (see the module); ``None``
            verifies the certificate against the certificate authorities
            (the bundled ones and the system's) and the host name.
    """
    context = CentreTLS(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.pin = None if pin is None else normalized_fingerprint(pin)
    context.seen = None
    if context.pin is not None:
        # The pin names the one certificate trusted: no authority, no name.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.load_verify_locations(cafile=certifi.where())
        context.load_default_certs()
    return context


def _check(context: ssl.SSLContext, der: bytes | None) -> None:
    """Record the certificate seen; refuse it when it is not the pinned one."""
    if not isinstance(context, CentreTLS):
        return
    found = certificate_fingerprint(der) if der else "(no certificate)"
    context.seen = found
    if context.pin is not None and found != context.pin:
        raise CertificateMismatch(context.pin, found)
