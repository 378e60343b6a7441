"""Signed policy bundles: the format and its verification.

A bundle is one UTF-8 JSON document::

    {"manifest": {...}, "files": {"rules.toml": "<text>", ...}, "signature": "<b64>"}

The manifest holds the format tag, a monotonic integer ``version``, ``issued_at``
and ``expires_at`` (UTC, ``YYYY-MM-DDTHH:MM:SSZ``), the SHA-256 of each file,
``min_client_version`` and the signing ``key_id``. The signature is Ed25519 over
the manifest's canonical JSON (sorted keys, no whitespace, UTF-8); the files are
bound to it by their hashes. The compiled policy is derived from the files by
:func:`policies.loader.policy_from_sources`, the same on both sides.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidSignature

from policies.encoding import canonical_json, decode_base64, encode_base64, file_digest
from policies.errors import BundleRejected, PolicyFileError, RejectReason
from policies.keys import TrustedKeys
from policies.loader import FILE_NAME, policy_from_sources
from policies.model import Policy

FORMAT = "edge-policy-bundle/1"
MAX_BUNDLE_BYTES = 4 * 1024 * 1024
MAX_FILES = 64
SIGNATURE_BYTES = 64
MAX_CLOCK_SKEW = timedelta(hours=24)
"""How far ahead of the device's time a bundle may say it was issued. Clocks
differ a little; a bundle from further ahead is refused, because installing it
would move the device's time (its high-water clock, which never goes back) to
the issue time, and good bundles would then look expired."""
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
CLIENT_VERSION = re.compile(r"\d+(\.\d+){0,3}")
_MANIFEST_FIELDS = frozenset(
    {"format", "version", "issued_at", "expires_at", "files", "min_client_version"}
    | {"key_id"}
)
_DOCUMENT_FIELDS = frozenset({"manifest", "files", "signature"})


@dataclass(frozen=True, slots=True)
class BundleManifest:
    """What a bundle's signature covers.

    Attributes:
        version: Monotonic bundle version, 1 or more.
        issued_at: When the centre signed it (UTC).
        expires_at: When it stops being valid (UTC).
        files: File name to ``sha256:<hex>`` of its UTF-8 text.
        min_client_version: Oldest app version that may use it, e.g. ``0.1.0``.
        key_id: Id of the signing key.
    """

    version: int
    issued_at: datetime
    expires_at: datetime
    files: Mapping[str, str]
    min_client_version: str
    key_id: str

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON object, the signature's input once canonical."""
        return {
            "format": FORMAT,
            "version": self.version,
            "issued_at": format_time(self.issued_at),
            "expires_at": format_time(self.expires_at),
            "files": dict(self.files),
            "min_client_version": self.min_client_version,
            "key_id": self.key_id,
        }

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers: the manifest's canonical JSON."""
        return canonical_json(self.to_json())

    def is_expired(self, now: datetime) -> bool:
        """Whether the bundle is past its expiry at ``now``."""
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle whose signature and file hashes have been checked.

    Attributes:
        manifest: The signed manifest.
        files: File name to text, matching the manifest's hashes.
        signature: The Ed25519 signature over the canonical manifest.
        policy: The policy compiled from ``files``, labelled with the version.
    """

    manifest: BundleManifest
    files: Mapping[str, str]
    signature: bytes
    policy: Policy

    @property
    def version(self) -> int:
        """The bundle's version."""
        return self.manifest.version

    def encode(self) -> bytes:
        """The bundle document, as canonical JSON bytes."""
        return encode_bundle(self.manifest, self.files, self.signature)


def encode_bundle(
    manifest: BundleManifest, files: Mapping[str, str], signature: bytes
) -> bytes:
    """Serialise a bundle document (canonical JSON, so no byte is insignificant)."""
    return canonical_json(
        {
            "manifest": manifest.to_json(),
            "files": dict(files),
            "signature": encode_base64(signature),
        }
    )


def format_time(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object) -> datetime | None:
    """Parse ``YYYY-MM-DDTHH:MM:SSZ``; ``None`` for anything else."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def verify_bundle(
    data: bytes,
    trusted_keys: TrustedKeys,
    *,
    active_version: int,
    now: datetime,
    client_version: str | None = None,
) -> Bundle:
    """Check everything a device requires before it installs a bundle.

    Args:
        data: The bundle document as received.
        trusted_keys: Keys the device accepts signatures from.
        active_version: Version of the active bundle (0: none).
        now: The device's time (its high-water clock), timezone-aware.
        client_version: The app's version, checked against the manifest's
            minimum; ``None`` skips the check.

    Returns:
        The verified bundle.

    Raises:
        BundleRejected: a check failed; ``reason`` says which.
    """
    bundle = authenticate_bundle(data, trusted_keys)
    check_fresh(
        bundle, active_version=active_version, now=now, client_version=client_version
    )
    return bundle


def authenticate_bundle(data: bytes, trusted_keys: TrustedKeys) -> Bundle:
    """Check a bundle's signature, file set and hashes, and compile its policy.

    It does not judge version or expiry: see :func:`check_fresh`.

    Raises:
        BundleRejected: the bundle is malformed, unsigned, signed by an unknown
            key, altered, or its policy does not compile.
    """
    document = _parse_document(data)
    raw_manifest, signature = _signed_parts(document)
    manifest = _manifest(raw_manifest, trusted_keys, signature)
    files = _files(document["files"], manifest)
    try:
        policy = policy_from_sources(files, version=manifest.version)
    except PolicyFileError as exc:
        raise BundleRejected(
            RejectReason.INVALID_POLICY,
            f"The bundle's policy does not compile: {exc.message}",
        ) from exc
    return Bundle(manifest, MappingProxyType(files), signature, policy)


def check_fresh(
    bundle: Bundle,
    *,
    active_version: int,
    now: datetime,
    client_version: str | None = None,
) -> None:
    """Refuse a bundle that is not newer than the active one, issued more than
    :data:`MAX_CLOCK_SKEW` ahead of ``now``, expired, or for a newer app.

    Raises:
        BundleRejected: with reason ``rollback``, ``same_version``,
            ``issued_in_future``, ``expired`` or ``client_too_old``.
        ValueError: ``now`` has no timezone.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    version = bundle.version
    if version < active_version:
        raise BundleRejected(
            RejectReason.ROLLBACK,
            f"The bundle is version {version}, older than the active version "
            f"{active_version}; policy versions only go up.",
        )
    if version == active_version:
        raise BundleRejected(
            RejectReason.SAME_VERSION,
            f"The bundle is version {version}, the same as the active bundle but "
            "with different content.",
        )
    issued = bundle.manifest.issued_at
    if issued - now > MAX_CLOCK_SKEW:
        hours = int(MAX_CLOCK_SKEW.total_seconds() // 3600)
        raise BundleRejected(
            RejectReason.ISSUED_IN_FUTURE,
            f"The bundle says it was issued at {format_time(issued)}, more than "
            f"{hours} h ahead of the device's time {format_time(now)}; the "
            "device's or the centre's clock is wrong. Set the clocks right and "
            "sync again.",
        )
    expires = bundle.manifest.expires_at
    if bundle.manifest.is_expired(now):
        raise BundleRejected(
            RejectReason.EXPIRED,
            f"The bundle expired at {format_time(expires)} "
            f"(device time {format_time(now)}).",
        )
    minimum = bundle.manifest.min_client_version
    if client_version is not None and not client_satisfies(client_version, minimum):
        raise BundleRejected(
            RejectReason.CLIENT_TOO_OLD,
            f"The bundle needs app version {minimum} or newer; "
            f"this is {client_version}.",
        )


def client_satisfies(client_version: str, minimum: str) -> bool:
    """Whether ``client_version`` (e.g. ``0.2.0.dev1``) is at least ``minimum``."""
    match = re.match(r"\d+(\.\d+)*", client_version)
    have = tuple(int(part) for part in match.group().split(".")) if match else (0,)
    need = tuple(int(part) for part in minimum.split("."))
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) >= need + (0,) * (width - len(need))


def _malformed(detail: str) -> BundleRejected:
    return BundleRejected(
        RejectReason.MALFORMED, f"The file is not a policy bundle: {detail}."
    )


def _parse_document(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BUNDLE_BYTES:
        raise _malformed(f"it is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        document = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
        )
    except UnicodeDecodeError as exc:
        raise _malformed("it is not UTF-8 text") from exc
    except (ValueError, RecursionError) as exc:
        raise _malformed(f"it is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise _malformed("expected a JSON object")
    return document


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return document


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _signed_parts(document: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    signature = decode_base64(document.get("signature"), length=SIGNATURE_BYTES)
    if signature is None:
        raise BundleRejected(
            RejectReason.SIGNATURE,
            "The bundle has no valid signature (missing, empty or garbled).",
        )
    if set(document) != _DOCUMENT_FIELDS:
        raise _malformed("expected exactly the fields files, manifest and signature")
    manifest = document["manifest"]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("key_id"), str):
        raise _malformed("the manifest has no key id")
    return manifest, signature


def _manifest(
    raw: dict[str, Any], trusted_keys: TrustedKeys, signature: bytes
) -> BundleManifest:
    key_id = raw["key_id"]
    public_key = trusted_keys.public_key(key_id)
    if public_key is None:
        trusted = ", ".join(trusted_keys.ids) or "none"
        raise BundleRejected(
            RejectReason.UNKNOWN_KEY,
            f"The bundle is signed with the key {key_id!r}, which this device does "
            f"not trust (trusted: {trusted}).",
        )
    try:
        public_key.verify(signature, canonical_json(raw))
    except UnicodeEncodeError as exc:
        raise _malformed("the manifest holds text that is not valid Unicode") from exc
    except InvalidSignature as exc:
        raise BundleRejected(
            RejectReason.SIGNATURE,
            f"The signature does not match the manifest: the bundle was changed "
            f"after signing, or not signed with the key {key_id!r}.",
        ) from exc
    return _manifest_fields(raw)


def _manifest_fields(raw: dict[str, Any]) -> BundleManifest:
    if set(raw) != _MANIFEST_FIELDS or raw["format"] != FORMAT:
        raise _malformed(f"the manifest is not a {FORMAT} manifest")
    version = raw["version"]
    if type(version) is not int or version < 1:
        raise _malformed("the manifest's version must be a whole number of 1 or more")
    issued, expires = parse_time(raw["issued_at"]), parse_time(raw["expires_at"])
    if issued is None or expires is None or issued >= expires:
        raise _malformed("the manifest's issued_at and expires_at are not valid times")
    minimum = raw["min_client_version"]
    if not isinstance(minimum, str) or not CLIENT_VERSION.fullmatch(minimum):
        raise _malformed("the manifest's min_client_version is not a version")
    files = raw["files"]
    if (
        not isinstance(files, dict)
        or not 0 < len(files) <= MAX_FILES
        or not all(FILE_NAME.fullmatch(name) for name in files)
        or not all(isinstance(d, str) and _DIGEST.fullmatch(d) for d in files.values())
    ):
        raise _malformed("the manifest's file list is not valid")
    return BundleManifest(
        version, issued, expires, MappingProxyType(files), minimum, raw["key_id"]
    )


def _files(raw: Any, manifest: BundleManifest) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(t, str) for t in raw.values()):
        raise _malformed("files must map file names to text")
    extra = sorted(set(raw) - set(manifest.files))
    missing = sorted(set(manifest.files) - set(raw))
    if extra or missing:
        parts = [f"extra: {', '.join(extra)}"] if extra else []
        parts += [f"missing: {', '.join(missing)}"] if missing else []
        raise BundleRejected(
            RejectReason.FILE_SET,
            f"The bundle's files do not match its manifest ({'; '.join(parts)}).",
        )
    for name in sorted(raw):
        try:
            digest = file_digest(raw[name])
        except UnicodeEncodeError as exc:
            raise _malformed(f"the file {name} is not valid Unicode text") from exc
        if not hmac.compare_digest(digest, manifest.files[name]):
            raise BundleRejected(
                RejectReason.HASH_MISMATCH,
                f"The file {name} does not match its hash: it was changed after "
                "signing.",
            )
    return raw
