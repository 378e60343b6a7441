"""Enrolment bound to its token, without the token ever crossing the wire.

From the token both sides derive a *binding key*:
``HMAC-SHA256(token, "edge-enrolment-binding-v1")``. The centre stores it
(with the token's SHA-256, by which it finds the token) when it issues the
token; the device computes it from what the technician typed. Then:

- the device sends ``token_id`` (the SHA-256) and ``proof``, an HMAC of the
  request with the binding key, so nobody who only saw the request can enrol
  in its place or change what it asks for;
- the centre answers with a ``secret_seed`` and its key set, and ``binding``,
  an HMAC of the whole reply with the binding key. The device accepts the
  reply only when ``binding`` matches, and its signing secret is
  ``HMAC(binding key, secret_seed)``: an attacker between the two who lacks
  the token can neither read the secret nor substitute the centre's keys.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from policies.encoding import canonical_json
from sync.protocol import EnrollRequest, EnrollResponse

_CONTEXT = b"edge-enrolment-binding-v1"
MIN_TOKEN = 8
MAX_TOKEN = 200
"""The length of an enrolment token, in characters (the centre's are 32)."""


def token_id(token: str) -> str:
    """The token's SHA-256 (hex): what the centre stores and looks it up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def binding_key(token: str) -> str:
    """The key both sides derive from the token (hex)."""
    return hmac.new(token.encode("utf-8"), _CONTEXT, hashlib.sha256).hexdigest()


def device_secret(key: str, seed: str) -> str:
    """The device's signing secret, from the binding key and the centre's seed."""
    return _mac(key, {"secret_seed": seed})


def request_proof(key: str, request: EnrollRequest) -> str:
    """The HMAC of ``request`` (all but its ``proof``) with the binding key."""
    return _mac(key, request.model_dump(mode="json", exclude={"proof"}))


def response_binding(key: str, response: EnrollResponse) -> str:
    """The HMAC of ``response`` (all but its ``binding``) with the binding key."""
    return _mac(key, response.model_dump(mode="json", exclude={"binding"}))


def enrol_request(
    token: str, *, device_name: str, technician_id: str, device_id: str | None
) -> EnrollRequest:
    """The enrolment request for ``token``, with its id and proof.

    Raises:
        pydantic.ValidationError: a field is not what the protocol allows.
    """
    unproven = EnrollRequest(
        token_id=token_id(token),
        proof="0" * 64,
        device_name=device_name,
        technician_id=technician_id,
        device_id=device_id,
    )
    proof = request_proof(binding_key(token), unproven)
    return unproven.model_copy(update={"proof": proof})


def matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex MACs (any text is safe)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _mac(key: str, value: Any) -> str:
    return hmac.new(
        key.encode("utf-8"), canonical_json(value), hashlib.sha256
    ).hexdigest()
