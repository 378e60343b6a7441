"""Signed test bundles, and attacks on them: each a family with many instances.

Shared by the bundle tests (``verify_bundle``) and the device store tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import strategies as st

from policies import MAX_CLOCK_SKEW, RejectReason, read_policy_sources
from policies.defaults import SOURCE_DIR
from policies.encoding import canonical_json, encode_base64
from policies.signing import SigningKey, build_bundle, generate_signing_key

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
"""The device's time in these tests."""
ACTIVE_VERSION = 10
"""Version of the bundle installed before each attack (so rollbacks have room)."""

INTEGRITY = {
    RejectReason.MALFORMED,
    RejectReason.SIGNATURE,
    RejectReason.UNKNOWN_KEY,
    RejectReason.FILE_SET,
    RejectReason.HASH_MISMATCH,
}
"""What a damaged or forged document can be rejected for."""


@dataclass(frozen=True, slots=True)
class Kit:
    """Keys and bundles the attacks start from.

    Attributes:
        key: The trusted signing key.
        sources: The policy source files (the shipped default policy).
        active: A valid bundle at :data:`ACTIVE_VERSION`.
        candidate: A valid bundle one version above, which would be accepted.
    """

    key: SigningKey
    sources: dict[str, str]
    active: bytes
    candidate: bytes


def make_kit() -> Kit:
    """Fresh keys and the two valid bundles."""
    key = generate_signing_key("test-key")
    sources = read_policy_sources(SOURCE_DIR)
    return Kit(
        key=key,
        sources=sources,
        active=sign(key, version=ACTIVE_VERSION, files=sources),
        candidate=sign(key, version=ACTIVE_VERSION + 1, files=sources),
    )


def sign(
    key: SigningKey,
    *,
    version: int,
    files: dict[str, str],
    issued_at: datetime = NOW - timedelta(days=1),
    expires_at: datetime = NOW + timedelta(days=90),
) -> bytes:
    """A correctly signed bundle."""
    return build_bundle(
        files, key, version=version, issued_at=issued_at, expires_at=expires_at
    )


def document(data: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(data)
    return parsed


def same_document(a: bytes, b: bytes) -> bool:
    """Whether two byte strings are the same JSON document (not just bytes)."""
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


def flip_byte(data: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


def add_file(data: bytes, name: str, text: str, *, in_manifest: bool) -> bytes:
    doc = document(data)
    doc["files"][name] = text
    if in_manifest:
        doc["manifest"]["files"][name] = "sha256:" + "0" * 64
    return canonical_json(doc)


def drop_file(data: bytes, index: int, *, in_manifest: bool) -> bytes:
    doc = document(data)
    name = sorted(doc["files"])[index % len(doc["files"])]
    del doc["files"][name]
    if in_manifest:
        del doc["manifest"]["files"][name]
    return canonical_json(doc)


def edit_file(data: bytes, index: int, extra: str) -> bytes:
    doc = document(data)
    name = sorted(doc["files"])[index % len(doc["files"])]
    doc["files"][name] += extra
    return canonical_json(doc)


def strip_signature(data: bytes, how: str) -> bytes:
    doc = document(data)
    if how == "removed":
        del doc["signature"]
    else:
        doc["signature"] = {
            "empty": "",
            "null": None,
            "halved": doc["signature"][:44],
            "zeros": encode_base64(bytes(64)),
            "not base64": "!" * 88,
        }[how]
    return canonical_json(doc)


def set_signature(data: bytes, signature: bytes) -> bytes:
    doc = document(data)
    doc["signature"] = encode_base64(signature)
    return canonical_json(doc)


def seeded_key(key_id: str, seed: bytes) -> SigningKey:
    """A signing key made from 32 seed bytes (reproducible under hypothesis)."""
    return SigningKey(key_id, Ed25519PrivateKey.from_private_bytes(seed))


def resign(data: bytes, key: SigningKey) -> bytes:
    """The same manifest and files, with ``key``'s id and signature."""
    doc = document(data)
    doc["manifest"]["key_id"] = key.key_id
    signature = key.sign(canonical_json(doc["manifest"]))
    doc["signature"] = encode_base64(signature)
    return canonical_json(doc)


_COMMENT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30
).map(lambda text: f"\n# {text}\n")


def attacks(kit: Kit) -> dict[str, tuple[st.SearchStrategy[bytes], set[RejectReason]]]:
    """Each attack family: a strategy of tampered bundles and the allowed reasons.

    The installed bundle is at :data:`ACTIVE_VERSION`; the attacks start from
    ``kit.candidate`` (one version above) unless they forge a version.
    """
    good = kit.candidate
    names = st.from_regex(r"[a-z][a-z0-9_-]{0,12}\.toml", fullmatch=True).filter(
        lambda n: n not in kit.sources
    )
    n_files = len(kit.sources)
    return {
        "flipped byte": (
            st.tuples(st.integers(0, len(good) - 1), st.integers(1, 255))
            .map(lambda pm: flip_byte(good, *pm))
            .filter(lambda data: not same_document(data, good)),
            INTEGRITY,
        ),
        "extra file": (
            st.builds(
                lambda name, text, listed: add_file(
                    good, name, text, in_manifest=listed
                ),
                names,
                st.text(max_size=40),
                st.booleans(),
            ),
            {RejectReason.FILE_SET, RejectReason.SIGNATURE},
        ),
        "missing file": (
            st.builds(
                lambda i, listed: drop_file(good, i, in_manifest=listed),
                st.integers(0, n_files - 1),
                st.booleans(),
            ),
            {RejectReason.FILE_SET, RejectReason.SIGNATURE},
        ),
        "edited file": (
            st.builds(
                lambda i, extra: edit_file(good, i, extra),
                st.integers(0, n_files - 1),
                st.text(min_size=1, max_size=40),
            ),
            {RejectReason.HASH_MISMATCH},
        ),
        "stripped signature": (
            st.one_of(
                st.sampled_from(
                    ["removed", "empty", "null", "halved", "zeros", "not base64"]
                ).map(lambda how: strip_signature(good, how)),
                st.binary(min_size=64, max_size=64).map(
                    lambda signature: set_signature(good, signature)
                ),
            ),
            {RejectReason.SIGNATURE},
        ),
        "wrong key": (
            st.builds(
                lambda seed, data: resign(data, seeded_key(kit.key.key_id, seed)),
                st.binary(min_size=32, max_size=32),
                st.sampled_from([good, kit.active]),
            ),
            {RejectReason.SIGNATURE},
        ),
        "unknown key id": (
            st.builds(
                lambda key_id, seed, data: resign(data, seeded_key(key_id, seed)),
                st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True).filter(
                    lambda key_id: key_id != kit.key.key_id
                ),
                st.binary(min_size=32, max_size=32),
                st.sampled_from([good, kit.active]),
            ),
            {RejectReason.UNKNOWN_KEY},
        ),
        "expired": (
            st.builds(
                lambda age, life: sign(
                    kit.key,
                    version=ACTIVE_VERSION + 1,
                    files=kit.sources,
                    issued_at=NOW - timedelta(seconds=age + life),
                    expires_at=NOW - timedelta(seconds=age),
                ),
                st.integers(0, 5 * 365 * 86_400),
                st.integers(1, 365 * 86_400),
            ),
            {RejectReason.EXPIRED},
        ),
        "issued in the future": (
            st.builds(
                lambda ahead, life: sign(
                    kit.key,
                    version=ACTIVE_VERSION + 1,
                    files=kit.sources,
                    issued_at=NOW + MAX_CLOCK_SKEW + timedelta(seconds=ahead),
                    expires_at=NOW + MAX_CLOCK_SKEW + timedelta(seconds=ahead + life),
                ),
                st.integers(1, 5 * 365 * 86_400),
                st.integers(1, 365 * 86_400),
            ),
            {RejectReason.ISSUED_IN_FUTURE},
        ),
        "rollback": (
            st.builds(
                lambda version, extra: sign(
                    kit.key,
                    version=version,
                    files={
                        **kit.sources,
                        "rules.toml": kit.sources["rules.toml"] + extra,
                    },
                ),
                st.integers(1, ACTIVE_VERSION - 1),
                _COMMENT,
            ),
            {RejectReason.ROLLBACK},
        ),
        "same version, other content": (
            st.builds(
                lambda extra, days: sign(
                    kit.key,
                    version=ACTIVE_VERSION,
                    files={
                        **kit.sources,
                        "rules.toml": kit.sources["rules.toml"] + extra,
                    },
                    expires_at=NOW + timedelta(days=days),
                ),
                _COMMENT,
                st.integers(1, 2000),
            ).filter(lambda data: data != kit.active),
            {RejectReason.SAME_VERSION},
        ),
        "truncated": (
            st.integers(0, len(good) - 1).map(lambda n: good[:n]),
            {RejectReason.MALFORMED},
        ),
    }


ATTACK_NAMES = (
    "flipped byte",
    "extra file",
    "missing file",
    "edited file",
    "stripped signature",
    "wrong key",
    "unknown key id",
    "expired",
    "issued in the future",
    "rollback",
    "same version, other content",
    "truncated",
)
