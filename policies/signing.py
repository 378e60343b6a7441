"""The central side: signing keys and building signed bundles.

Devices never need this module; they only verify (:mod:`policies.bundle`). A
private key file (``<key id>.signing-key``) is one JSON object::

    {"algorithm": "ed25519", "key_id": "dev-1a2b3c4d", "private_key": "<base64>"}

It is written readable by its owner only and never overwritten.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from policies.bundle import (
    CLIENT_VERSION,
    BundleManifest,
    authenticate_bundle,
    encode_bundle,
    format_time,
)
from policies.encoding import decode_base64, encode_base64, file_digest
from policies.errors import PolicyError
from policies.key_sets import KeySet, SignedKeySet
from policies.keys import (
    ALGORITHM,
    KEY_BYTES,
    KEY_ID,
    PUBLIC_KEY_SUFFIX,
    PublicKey,
    TrustedKeys,
)
from policies.loader import policy_from_sources, read_policy_sources

PRIVATE_KEY_SUFFIX = ".signing-key"
"""Private key files end so (``.gitignore`` keeps them out of the repository)."""
DEFAULT_MIN_CLIENT_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key and its key id.

    Attributes:
        key_id: The id written into each manifest it signs.
        private_key: The private key.
    """

    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> PublicKey:
        """The matching public key, for devices to trust."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(self.key_id, raw)

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message``."""
        return self.private_key.sign(message)

    def to_json(self) -> str:
        """The private key file's content."""
        raw = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        document = {
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "private_key": encode_base64(raw),
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"


def generate_signing_key(key_id: str | None = None) -> SigningKey:
    """A new random signing key; without ``key_id``, ``dev-`` and its fingerprint.

    Raises:
        PolicyError: ``key_id`` is not a valid key id.
    """
    private_key = Ed25519PrivateKey.generate()
    if key_id is None:
        provisional = SigningKey("dev", private_key)
        key_id = f"dev-{provisional.public_key.fingerprint[:8]}"
    if not KEY_ID.fullmatch(key_id):
        raise PolicyError(
            f"{key_id!r} is not a valid key id: use lower-case letters, digits "
            "and ._- (at most 64 characters).",
            title="Invalid key id",
        )
    return SigningKey(key_id, private_key)


def read_signing_key(path: Path) -> SigningKey:
    """Read a private key file.

    Raises:
        PolicyError: the file cannot be read or is not a private key file.
    """
    problem = PolicyError(
        f"{path} is not a valid signing key file (expected JSON with "
        '"algorithm": "ed25519", "key_id" and a base64 "private_key").',
        title="Invalid signing key file",
    )
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(
            f"Cannot read the signing key file {path} ({exc.strerror}).",
            title="Unreadable signing key",
        ) from exc
    except ValueError as exc:
        raise problem from exc
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise problem
    raw = decode_base64(document.get("private_key"), length=KEY_BYTES)
    key_id = document.get("key_id")
    if raw is None or not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise problem
    return SigningKey(key_id, Ed25519PrivateKey.from_private_bytes(raw))


def write_key_pair(key: SigningKey, folder: Path) -> tuple[Path, Path]:
    """Write ``<key id>.signing-key`` (owner-only) and ``<key id>.pub.json``.

    Returns:
        The private and the public key file paths.

    Raises:
        PolicyError: either file exists already (nothing is overwritten) or
            the folder cannot be written.
    """
    private_path = folder / f"{key.key_id}{PRIVATE_KEY_SUFFIX}"
    public_path = folder / f"{key.key_id}{PUBLIC_KEY_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise PolicyError(
                f"{path} exists already; keys are never overwritten. Choose "
                "another folder or key id.",
                title="Key exists",
            )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_new_file(private_path, key.to_json().encode("utf-8"), mode=0o600)
        write_new_file(
            public_path, key.public_key.to_json().encode("utf-8"), mode=0o644
        )
    except OSError as exc:
        raise PolicyError(
            f"Cannot write the key files in {folder} ({exc.strerror}).",
            title="Cannot write keys",
        ) from exc
    return private_path, public_path


def write_new_file(path: Path, data: bytes, *, mode: int) -> None:
    """Create ``path`` with ``data``; fail if it exists (no overwrite, ever).

    Raises:
        FileExistsError: ``path`` exists.
        OSError: it cannot be written.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def build_bundle(
    files: Mapping[str, str],
    key: SigningKey,
    *,
    version: int,
    issued_at: datetime,
    expires_at: datetime,
    min_client_version: str = DEFAULT_MIN_CLIENT_VERSION,
) -> bytes:
    """Compile, hash and sign policy source files into a bundle document.

    Args:
        files: Policy source files, name to TOML text.
        key: The signing key.
        version: The bundle version (1 or more, above the last published one).
        issued_at: Signing time, timezone-aware (kept to the second).
        expires_at: Expiry time, timezone-aware, after ``issued_at``.
        min_client_version: Oldest app version allowed to use the bundle.

    Returns:
        The bundle document's bytes.

    Raises:
        PolicyFileError: a source file is invalid.
        PolicyError: the version, times or client version are invalid.
    """
    policy_from_sources(files)
    issued, expires = _bundle_times(issued_at, expires_at)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PolicyError(
            f"The version must be a whole number of 1 or more, not {version!r}."
        )
    if not CLIENT_VERSION.fullmatch(min_client_version):
        raise PolicyError(
            f"{min_client_version!r} is not a client version such as 0.1.0."
        )
    manifest = BundleManifest(
        version=version,
        issued_at=issued,
        expires_at=expires,
        files={name: file_digest(text) for name, text in sorted(files.items())},
        min_client_version=min_client_version,
        key_id=key.key_id,
    )
    data = encode_bundle(manifest, files, key.sign(manifest.signed_bytes()))
    authenticate_bundle(data, TrustedKeys.of(key.public_key))
    return data


def sign_policy_dir(
    folder: Path,
    key: SigningKey,
    *,
    version: int,
    issued_at: datetime,
    expires_at: datetime,
    min_client_version: str = DEFAULT_MIN_CLIENT_VERSION,
) -> bytes:
    """Build a signed bundle from the policy source files in ``folder``.

    Raises:
        PolicyFileError: the folder or a source file is invalid.
        PolicyError: the version, times or client version are invalid.
    """
    return build_bundle(
        read_policy_sources(folder),
        key,
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        min_client_version=min_client_version,
    )


def _bundle_times(
    issued_at: datetime, expires_at: datetime
) -> tuple[datetime, datetime]:
    """Both times cut to the second as the manifest stores them, checked."""
    if issued_at.tzinfo is None or expires_at.tzinfo is None:
        raise PolicyError(
            "Bundle times need a timezone (use UTC, e.g. 2028-12-31T00:00:00Z)."
        )
    issued = issued_at.astimezone(UTC).replace(microsecond=0)
    expires = expires_at.astimezone(UTC).replace(microsecond=0)
    if expires <= issued:
        raise PolicyError(
            f"The expiry {format_time(expires)} must be after the issue time "
            f"{format_time(issued)}."
        )
    return issued, expires


def sign_key_set(key_set: KeySet, signers: Iterable[SigningKey]) -> SignedKeySet:
    """``key_set`` signed by each of ``signers`` (its active key among them)."""
    message = key_set.signed_bytes()
    return SignedKeySet(key_set, {key.key_id: key.sign(message) for key in signers})
