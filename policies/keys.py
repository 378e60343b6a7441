"""Ed25519 public keys: key files and the set of keys a device trusts.

A public key file (``<key id>.pub.json``) is one JSON object::

    {"algorithm": "ed25519", "key_id": "demo-2026", "public_key": "<base64>"}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from policies.encoding import decode_base64, encode_base64
from policies.errors import PolicyError

ALGORITHM = "ed25519"
KEY_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""Key ids: lower-case letters, digits and ``._-``, at most 64 characters."""
PUBLIC_KEY_SUFFIX = ".pub.json"
KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key and the id bundles name it by.

    Attributes:
        key_id: The id in a bundle manifest's ``key_id``.
        raw: The 32 raw public key bytes.
    """

    key_id: str
    raw: bytes

    def __post_init__(self) -> None:
        if not KEY_ID.fullmatch(self.key_id):
            raise ValueError(f"invalid key id {self.key_id!r}")
        if len(self.raw) != KEY_BYTES:
            raise ValueError("an Ed25519 public key is 32 bytes")

    @property
    def fingerprint(self) -> str:
        """First 16 hex digits of the key's SHA-256, for display."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def to_json(self) -> str:
        """The key file's content."""
        document = {
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "public_key": encode_base64(self.raw),
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True, slots=True)
class TrustedKeys:
    """The public keys a device accepts bundle signatures from, by key id."""

    keys: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, *keys: PublicKey) -> TrustedKeys:
        """Trust exactly ``keys``.

        Raises:
            PolicyError: two different keys share one key id.
        """
        found: dict[str, bytes] = {}
        for key in keys:
            if found.get(key.key_id, key.raw) != key.raw:
                raise PolicyError(
                    f"Two different public keys both claim the key id {key.key_id!r}.",
                    title="Conflicting trusted keys",
                )
            found[key.key_id] = key.raw
        return cls(MappingProxyType(found))

    def __contains__(self, key_id: object) -> bool:
        return key_id in self.keys

    @property
    def ids(self) -> tuple[str, ...]:
        """The trusted key ids, sorted."""
        return tuple(sorted(self.keys))

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        """The key for ``key_id``, or ``None`` when it is not trusted."""
        raw = self.keys.get(key_id)
        return None if raw is None else Ed25519PublicKey.from_public_bytes(raw)

    def merged(self, other: TrustedKeys) -> TrustedKeys:
        """Trust the keys of both sets.

        Raises:
            PolicyError: the sets hold different keys under one key id.
        """
        return TrustedKeys.of(
            *(PublicKey(k, raw) for k, raw in self.keys.items()),
            *(PublicKey(k, raw) for k, raw in other.keys.items()),
        )


def parse_public_key(text: str, *, source: str) -> PublicKey:
    """Read a public key file's content; ``source`` names it in errors.

    Raises:
        PolicyError: the content is not a valid public key file.
    """
    problem = PolicyError(
        f"{source} is not a valid public key file (expected JSON with "
        f'"algorithm": "ed25519", "key_id" and a base64 "public_key").',
        title="Invalid public key file",
    )
    try:
        document: Any = json.loads(text)
    except ValueError as exc:
        raise problem from exc
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise problem
    raw = decode_base64(document.get("public_key"), length=KEY_BYTES)
    key_id = document.get("key_id")
    if raw is None or not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise problem
    return PublicKey(key_id, raw)


def read_public_key(path: Path) -> PublicKey:
    """Read the public key file at ``path``.

    Raises:
        PolicyError: the file cannot be read or is not a public key file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"Cannot read the public key file {path} ({exc}).",
            title="Unreadable public key file",
        ) from exc
    return parse_public_key(text, source=str(path))


def read_trusted_keys(folder: Path) -> TrustedKeys:
    """Trust every ``*.pub.json`` key file in ``folder``.

    Raises:
        PolicyError: the folder cannot be listed or a key file is invalid.
    """
    try:
        paths = sorted(folder.glob(f"*{PUBLIC_KEY_SUFFIX}"))
    except OSError as exc:
        raise PolicyError(
            f"Cannot list the trusted key folder {folder} ({exc.strerror}).",
            title="Unreadable trusted keys",
        ) from exc
    return TrustedKeys.of(*(read_public_key(path) for path in paths))
