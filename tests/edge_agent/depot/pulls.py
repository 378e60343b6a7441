"""What a centre's pull brings, built for depot tests: an enrolled device's
trust and policy, signed KB snapshots, and replies."""

from __future__ import annotations

import base64
from pathlib import Path

from edge_agent.policy_store import DeviceTrust, PolicyStore
from policies import KeySet, TrustedKeys
from policies.encoding import encode_base64
from policies.signing import SigningKey, generate_signing_key, sign_key_set
from sync.protocol import KbDelta, PullResponse
from tests.policies.tampering import NOW

PUMP = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"

SHIPPED = generate_signing_key("shipped")
"""Stands for the key the app ships."""


def trust_in(home: Path) -> DeviceTrust:
    """The device's trust root: the centre's key set in ``home``, if enrolled."""
    return DeviceTrust(home / "centre-keys.json", TrustedKeys.of(SHIPPED.public_key))


def enrolled_trust(home: Path, key: SigningKey) -> DeviceTrust:
    """An enrolled device: it trusts the centre's key set, where ``key`` signs."""
    trust = trust_in(home)
    first = KeySet(1, (key.public_key,), key.key_id, (), NOW)
    trust.adopt(sign_key_set(first, [key]).encode())
    return trust


def policy_store(home: Path, trust: DeviceTrust) -> PolicyStore:
    """The device's policy store, checking with the keys ``trust`` accepts."""
    return PolicyStore(
        home / "policy", trust.accepted(), kept_keys=trust.kept(), clock=lambda: NOW
    )


def kb_delta(key: SigningKey, version: int = 1, **files: str) -> KbDelta:
    """A full KB snapshot of Markdown ``files`` (name_with_underscores=text)."""
    encoded = {
        name.replace("_", "-") + ".md": base64.b64encode(text.encode()).decode()
        for name, text in files.items()
    }
    unsigned = KbDelta(
        version=version,
        base_version=None,
        files=encoded,
        signature="",
        key_id=key.key_id,
    )
    signature = encode_base64(key.sign(unsigned.signed_bytes()))
    return unsigned.model_copy(update={"signature": signature})


def pull(**parts: object) -> PullResponse:
    """A centre's reply with ``parts`` and no results."""
    return PullResponse.model_validate({"results": [], "results_cursor": 0, **parts})
