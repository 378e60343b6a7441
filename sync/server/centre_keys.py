"""The centre's own signing keys and the chain of key sets devices follow.

Kept in one folder (``<data dir>/keys`` unless configured), readable by the
service's user only:

- ``<key id>.signing-key``: a private key (0600), created here and never
  written anywhere else;
- ``key-set-v000001.json``, ...: each version of the key set, signed as
  :mod:`policies.key_sets` describes. Version 1 is made on the centre's first
  start; every rotation or revocation adds the next.

Several service processes may share the folder: changes take a file lock, and
each read lists the folder again, so a rotation made by the command line is
served by a running service at once.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from policies import KeySet, KeySetRejected, PolicyError, SignedKeySet, parse_key_set
from policies.key_sets import first_key_set, next_key_set
from policies.signing import (
    PRIVATE_KEY_SUFFIX,
    SigningKey,
    generate_signing_key,
    read_signing_key,
    sign_key_set,
    write_new_file,
)
from sync.server.errors import ConfigInvalid, PublishRefused
from sync.server.records import Clock

if sys.platform != "win32":
    import fcntl

KEY_SET_FILE = re.compile(r"key-set-v(\d{6})\.json")
LOCK_FILE = ".lock"


@dataclass(frozen=True, slots=True)
class KeyListing:
    """One key as ``keys list`` shows it.

    Attributes:
        key_id: The key's id.
        fingerprint: First 16 hex digits of its public key's SHA-256.
        status: ``active``, ``retired`` (still verifies what it signed) or
            ``revoked``.
        since: The key set version that added it.
        private_key_here: Whether this centre holds its private key.
    """

    key_id: str
    fingerprint: str
    status: str
    since: int
    private_key_here: bool


class CentreKeys:
    """The centre's key folder.

    Args:
        folder: Where keys and key sets live; created on first use (0700).
        clock: The centre's clock, for each key set's issue time.
    """

    def __init__(self, folder: Path, *, clock: Clock) -> None:
        self.folder = folder
        self._clock = clock

    def ensure(self) -> KeySet:
        """The current key set; on the centre's first start, a new key and set 1.

        Raises:
            ConfigInvalid: the folder cannot be written, or what it holds is
                damaged (the message says which file).
        """
        return self._chain_or_first()[-1].key_set

    def current(self) -> SignedKeySet:
        """The newest key set (made first when there is none)."""
        return self._chain_or_first()[-1]

    def documents_after(self, version: int) -> list[str]:
        """The key set documents above ``version``, oldest first."""
        chain = self._chain_or_first()
        return [s.encode() for s in chain if s.key_set.version > version]

    def signing_key(self) -> SigningKey:
        """The active key, to sign bundles and KB snapshots with.

        Raises:
            ConfigInvalid: its private key file is missing or damaged.
        """
        return self._private(self.current().key_set.active)

    def rotate(self, *, revoke: Iterable[str] = ()) -> KeySet:
        """A new active key; the old one is kept for what it signed unless revoked.

        The new set is signed by the outgoing active key (devices follow from
        it) and by the new key.

        Raises:
            PublishRefused: a key to revoke is not in the set.
            ConfigInvalid: the folder cannot be written.
        """
        with self._locked():
            current = self._ensured()[-1].key_set
            gone = set(revoke)
            unknown = gone - {key.key_id for key in current.keys}
            if unknown:
                raise PublishRefused(
                    f"No key {', '.join(sorted(unknown))} in key set version "
                    f"{current.version} (see: edge-governance keys list)."
                )
            outgoing = self._private(current.active)
            key = self._new_key()
            kept = tuple(k for k in current.keys if k.key_id not in gone)
            key_set = KeySet(
                current.version + 1,
                (*kept, key.public_key),
                key.key_id,
                tuple(sorted({*current.revoked, *gone})),
                self._now(),
            )
            self._write_set(sign_key_set(key_set, [outgoing, key]))
            return key_set

    def revoke(self, key_id: str) -> KeySet:
        """Stop trusting ``key_id``: devices refuse what it signed from their
        next sync. Revoking the active key rotates to a new one.

        Raises:
            PublishRefused: no such key in the set, or revoked already.
            ConfigInvalid: the folder cannot be written.
        """
        current = self.current().key_set
        if key_id in current.revoked:
            raise PublishRefused(f"Key {key_id} is revoked already.")
        if key_id == current.active:
            return self.rotate(revoke=[key_id])
        with self._locked():
            current = self._chain()[-1].key_set
            if key_id not in {key.key_id for key in current.keys}:
                raise PublishRefused(
                    f"No key {key_id} in key set version {current.version} "
                    "(see: edge-governance keys list)."
                )
            active = self._private(current.active)
            key_set = KeySet(
                current.version + 1,
                tuple(k for k in current.keys if k.key_id != key_id),
                current.active,
                tuple(sorted({*current.revoked, key_id})),
                self._now(),
            )
            self._write_set(sign_key_set(key_set, [active]))
            return key_set

    def listing(self) -> list[KeyListing]:
        """Every key any version named, newest first."""
        chain = self._chain_or_first()
        current = chain[-1].key_set
        since: dict[str, int] = {}
        prints: dict[str, str] = {}
        for signed in chain:
            for key in signed.key_set.keys:
                since.setdefault(key.key_id, signed.key_set.version)
                prints[key.key_id] = key.fingerprint
        rows = []
        for key_id, version in since.items():
            if key_id == current.active:
                status = "active"
            elif key_id in current.revoked:
                status = "revoked"
            else:
                status = "retired"
            private = (self.folder / f"{key_id}{PRIVATE_KEY_SUFFIX}").exists()
            rows.append(KeyListing(key_id, prints[key_id], status, version, private))
        return sorted(rows, key=lambda row: (-row.since, row.key_id))

    def _now(self) -> datetime:
        """The clock, to the second as a key set document keeps it."""
        return self._clock().astimezone(UTC).replace(microsecond=0)

    # --- files ------------------------------------------------------------------

    def _chain_or_first(self) -> list[SignedKeySet]:
        """The chain, read and checked once, begun first when empty."""
        with self._locked():
            return self._ensured()

    def _ensured(self) -> list[SignedKeySet]:
        """The chain, begun with a new key when empty; the lock is held."""
        chain = self._chain()
        if chain:
            return chain
        key = self._new_key()
        key_set = KeySet(1, (key.public_key,), key.key_id, (), self._now())
        signed = sign_key_set(key_set, [key])
        self._write_set(signed)
        return [signed]

    def _chain(self) -> list[SignedKeySet]:
        """Every key set in the folder, each checked against the one before."""
        found = []
        for path in self._set_files():
            try:
                found.append(parse_key_set(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, KeySetRejected) as exc:
                raise ConfigInvalid(
                    f"The key set file {path} is unreadable or damaged ({exc}); "
                    "restore the keys folder from its backup."
                ) from exc
        try:
            if found:
                first_key_set(found[0].encode())
            for before, after in zip(found, found[1:], strict=False):
                next_key_set(before.key_set, after.encode())
        except KeySetRejected as exc:
            raise ConfigInvalid(
                f"The key sets in {self.folder} do not form a chain: {exc.message} "
                "Restore the keys folder from its backup."
            ) from exc
        return found

    def _set_files(self) -> list[Path]:
        try:
            names = sorted(
                path
                for path in self.folder.iterdir()
                if KEY_SET_FILE.fullmatch(path.name)
            )
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ConfigInvalid(
                f"Cannot list the keys folder {self.folder} ({exc.strerror})."
            ) from exc
        return names

    def _write_set(self, signed: SignedKeySet) -> None:
        path = self.folder / f"key-set-v{signed.key_set.version:06d}.json"
        try:
            write_new_file(path, signed.encode().encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise ConfigInvalid(
                f"Cannot write the key set {path} ({exc.strerror or exc})."
            ) from exc

    def _new_key(self) -> SigningKey:
        key = generate_signing_key()
        key = SigningKey(f"centre-{key.public_key.fingerprint[:12]}", key.private_key)
        path = self.folder / f"{key.key_id}{PRIVATE_KEY_SUFFIX}"
        try:
            write_new_file(path, key.to_json().encode("utf-8"), mode=0o600)
        except OSError as exc:
            raise ConfigInvalid(
                f"Cannot write the private key {path} ({exc.strerror or exc})."
            ) from exc
        return key

    def _private(self, key_id: str) -> SigningKey:
        path = self.folder / f"{key_id}{PRIVATE_KEY_SUFFIX}"
        try:
            key = read_signing_key(path)
        except PolicyError as exc:
            raise ConfigInvalid(
                f"The centre's private key {key_id} cannot be used: {exc.message} "
                "Restore the keys folder from its backup, or revoke the key "
                "(edge-governance keys revoke) from a centre that holds the "
                "key set."
            ) from exc
        if key.key_id != key_id:
            raise ConfigInvalid(f"{path} holds key {key.key_id}, not {key_id}.")
        return key

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
            handle = open(self.folder / LOCK_FILE, "a+b")  # noqa: SIM115
        except OSError as exc:
            raise ConfigInvalid(
                f"Cannot use the keys folder {self.folder} ({exc.strerror or exc})."
            ) from exc
        with handle:
            if sys.platform != "win32":
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield
