"""Key sets: which keys a centre signs with, and how a device follows them.

A centre publishes numbered key sets. Each names the keys whose signatures
count (``keys``), the one it signs new bundles and KB snapshots with
(``active``), and every key it ever revoked (``revoked``, never shortened). A
key set document is JSON::

    {"format": 1,
     "key_set": {"version": 2, "active": "centre-...", "keys": [...],
                 "revoked": [...], "issued_at": "..."},
     "signatures": [{"key_id": "...", "signature": "<base64>"}]}

Version 1 is signed by its own active key; a device learns it at enrolment,
bound to the enrolment token, so nobody without the token can substitute it.
Version N+1 is accepted only when a key of version N signed it (continuity)
and its own active key did too (the new key's holder agrees), so a device
that was offline through several rotations follows the chain step by step,
as TUF clients follow root metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from policies.bundle import SIGNATURE_BYTES, format_time, parse_time
from policies.encoding import canonical_json, decode_base64, encode_base64
from policies.errors import PolicyError
from policies.keys import KEY_BYTES, KEY_ID, PublicKey, TrustedKeys

KEY_SET_FORMAT = 1
MAX_KEYS = 16


class KeySetRejected(PolicyError):
    """A key set document was refused; the keys in force are unchanged."""

    def __init__(self, message: str) -> None:
        super().__init__(message, title="Key set refused")


@dataclass(frozen=True, slots=True)
class KeySet:
    """One version of a centre's keys.

    Attributes:
        version: 1 for the first set, one more for each change.
        keys: The keys whose signatures count, the active one included.
        active: The key new bundles and snapshots are signed with.
        revoked: Key ids revoked in this or an earlier version.
        issued_at: When the centre made this version.
    """

    version: int
    keys: tuple[PublicKey, ...]
    active: str
    revoked: tuple[str, ...]
    issued_at: datetime

    def __post_init__(self) -> None:
        # One order, so that a set read back equals the set that was written.
        object.__setattr__(self, "keys", tuple(sorted(self.keys, key=_key_id_of)))
        object.__setattr__(self, "revoked", tuple(sorted(self.revoked)))
        ids = [key.key_id for key in self.keys]
        if self.version < 1:
            raise KeySetRejected("A key set's version is 1 or more.")
        if self.active not in ids:
            raise KeySetRejected(f"The active key {self.active} is not in the set.")
        if len(set(ids)) != len(ids) or not 0 < len(ids) <= MAX_KEYS:
            raise KeySetRejected(
                f"A key set holds 1 to {MAX_KEYS} keys with distinct ids."
            )
        if set(ids) & set(self.revoked):
            raise KeySetRejected("A revoked key cannot be in the set.")

    @property
    def trusted(self) -> TrustedKeys:
        """The keys whose signatures count under this set."""
        return TrustedKeys.of(*self.keys)

    def signed_bytes(self) -> bytes:
        """What each signature covers: the canonical JSON of the set."""
        return canonical_json(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """The ``key_set`` object of the document."""
        return {
            "version": self.version,
            "active": self.active,
            "keys": [
                {"key_id": key.key_id, "public_key": encode_base64(key.raw)}
                for key in self.keys
            ],
            "revoked": list(self.revoked),
            "issued_at": format_time(self.issued_at),
        }


@dataclass(frozen=True, slots=True)
class SignedKeySet:
    """A key set with the signatures its document carries."""

    key_set: KeySet
    signatures: Mapping[str, bytes]

    def encode(self) -> str:
        """The document's text."""
        document = {
            "format": KEY_SET_FORMAT,
            "key_set": self.key_set.as_dict(),
            "signatures": [
                {"key_id": key_id, "signature": encode_base64(signature)}
                for key_id, signature in sorted(self.signatures.items())
            ],
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    def signed_by(self, key: PublicKey) -> bool:
        """Whether ``key`` signed this set."""
        signature = self.signatures.get(key.key_id)
        if signature is None:
            return False
        try:
            public_key = Ed25519PublicKey.from_public_bytes(key.raw)
            public_key.verify(signature, self.key_set.signed_bytes())
        except InvalidSignature:
            return False
        return True


def parse_key_set(text: str) -> SignedKeySet:
    """Read a key set document; signatures are not checked here.

    Raises:
        KeySetRejected: it is not a key set document.
    """
    try:
        document: Any = json.loads(text)
        if document.get("format") != KEY_SET_FORMAT:
            raise KeySetRejected(
                f"Unknown key set format {document.get('format')!r}; update the app."
            )
        raw = document["key_set"]
        keys = tuple(
            PublicKey(_key_id(item["key_id"]), _raw_key(item["public_key"]))
            for item in raw["keys"]
        )
        issued_at = parse_time(raw["issued_at"])
        version = raw["version"]
        if issued_at is None or type(version) is not int:
            raise ValueError("version or issue time")
        key_set = KeySet(
            version=version,
            keys=keys,
            active=_key_id(raw["active"]),
            revoked=tuple(_key_id(k) for k in raw["revoked"]),
            issued_at=issued_at,
        )
        signatures = {
            _key_id(item["key_id"]): _signature(item["signature"])
            for item in document["signatures"]
        }
    except KeySetRejected:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KeySetRejected(f"The key set document is malformed ({exc}).") from exc
    return SignedKeySet(key_set, signatures)


def first_key_set(text: str) -> KeySet:
    """The first key set a device trusts (the enrolment reply binds it).

    Raises:
        KeySetRejected: malformed, or not signed by its own active key.
    """
    signed = parse_key_set(text)
    key_set = signed.key_set
    if not signed.signed_by(_active(key_set)):
        raise KeySetRejected(
            f"Key set version {key_set.version} is not signed by its own active "
            f"key {key_set.active}."
        )
    return key_set


def next_key_set(current: KeySet, text: str) -> KeySet:
    """The set that follows ``current``, once its signatures check out.

    Raises:
        KeySetRejected: not the next version, not signed by a key of
            ``current`` and by its own active key, or it un-revokes a key.
    """
    return _next(current, parse_key_set(text))


def _next(current: KeySet, signed: SignedKeySet) -> KeySet:
    new = signed.key_set
    if new.version != current.version + 1:
        raise KeySetRejected(
            f"Key set version {new.version} does not follow version "
            f"{current.version}; the versions between are missing."
        )
    if not any(signed.signed_by(key) for key in current.keys):
        raise KeySetRejected(
            f"Key set version {new.version} is not signed by any key of version "
            f"{current.version} ({', '.join(current.trusted.ids)})."
        )
    if not signed.signed_by(_active(new)):
        raise KeySetRejected(
            f"Key set version {new.version} is not signed by its own active key "
            f"{new.active}."
        )
    lost = set(current.revoked) - set(new.revoked)
    if lost:
        raise KeySetRejected(
            f"Key set version {new.version} would trust revoked key(s) "
            f"{', '.join(sorted(lost))} again."
        )
    return new


def follow_key_sets(current: KeySet, texts: Iterable[str]) -> KeySet:
    """Follow a chain of later key sets from ``current``; older ones are skipped.

    Raises:
        KeySetRejected: a link of the chain does not verify; nothing of the
            chain is taken then (the caller keeps ``current``).
    """
    newer = sorted(
        (signed for signed in map(parse_key_set, texts)),
        key=lambda signed: signed.key_set.version,
    )
    for signed in newer:
        if signed.key_set.version > current.version:
            current = _next(current, signed)
    return current


def _key_id_of(key: PublicKey) -> str:
    return key.key_id


def _active(key_set: KeySet) -> PublicKey:
    return next(key for key in key_set.keys if key.key_id == key_set.active)


def _key_id(value: object) -> str:
    if not isinstance(value, str) or not KEY_ID.fullmatch(value):
        raise ValueError(f"invalid key id {value!r}")
    return value


def _raw_key(value: object) -> bytes:
    raw = decode_base64(value, length=KEY_BYTES)
    if raw is None:
        raise ValueError("a public key is not 32 bytes of base64")
    return raw


def _signature(value: object) -> bytes:
    raw = decode_base64(value, length=SIGNATURE_BYTES)
    if raw is None:
        raise ValueError("a signature is not 64 bytes of base64")
    return raw
