"""Signing device requests: the byte-exact rule the device and the centre share.

``signature = hex(HMAC-SHA256(secret, method \\n path \\n timestamp \\n nonce \\n
sha256_hex(body)))``. The centre refuses a timestamp outside
:data:`~sync.protocol.SIGNATURE_WINDOW_SECONDS` of its clock and any nonce it
has seen from that device, so a captured request cannot be replayed. It signs
its reply alike, over the request's nonce, the status and the reply's body
(:func:`reply_signature`), so a reply can be neither forged nor moved to
another request. Pure.
"""

from __future__ import annotations

import hashlib
import hmac

from sync.protocol import (
    DEVICE_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)


def signature(
    secret: str, *, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    """The request's signature (64 hex digits)."""
    message = "\n".join(
        [method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]
    ).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(
    device_id: str,
    secret: str,
    *,
    method: str,
    path: str,
    body: bytes,
    timestamp: str,
    nonce: str,
) -> dict[str, str]:
    """The headers that authenticate one request."""
    return {
        DEVICE_HEADER: device_id,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(
            secret,
            method=method,
            path=path,
            timestamp=timestamp,
            nonce=nonce,
            body=body,
        ),
    }


def reply_signature(secret: str, *, nonce: str, status: int, body: bytes) -> str:
    """The signature of the centre's reply to the request that carried
    ``nonce`` (64 hex digits): a reply cannot be forged without the device's
    secret, nor replayed to another request."""
    message = "\n".join(
        ["reply", nonce, str(status), hashlib.sha256(body).hexdigest()]
    ).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures.

    Any text may be given (a header can hold bytes outside ASCII): it is
    compared as UTF-8 bytes, so a garbled signature is simply no match.
    """
    return hmac.compare_digest(
        expected.encode("utf-8", "replace"), given.encode("utf-8", "replace")
    )
