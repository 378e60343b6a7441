"""Checking the centre's Ed25519 signature on what a pull brought (KB
snapshots, release manifests) with the keys the device accepts for policy."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature

from edge_agent.errors import EdgeAgentError
from policies import SIGNATURE_BYTES, TrustedKeys, decode_base64


def check_signature(
    *, key_id: str, signature: str, message: bytes, keys: TrustedKeys
) -> None:
    """Return if ``signature`` (base64) is ``key_id``'s over ``message``.

    Raises:
        EdgeAgentError: the key is not trusted, or the signature is missing,
            garbled or does not match.
    """
    public_key = keys.public_key(key_id)
    if public_key is None:
        raise EdgeAgentError(
            f"it is signed with key {key_id!r}, which this device does not trust."
        )
    raw = decode_base64(signature, length=SIGNATURE_BYTES)
    if raw is None:
        raise EdgeAgentError("its signature is missing or garbled.")
    try:
        public_key.verify(raw, message)
    except InvalidSignature as exc:
        raise EdgeAgentError(
            "its signature does not match its content (changed in transit?)."
        ) from exc
