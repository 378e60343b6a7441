"""What supervisors publish: policy bundles, KB versions, job books, kill switches.

Bundles and KB versions are signed with the centre's active key
(:mod:`sync.server.centre_keys`; devices follow its key sets) and versions
only go up: a publication whose version is
not above the newest is refused. Everything published is stored for pull and
written to the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from policies import Bundle, BundleRejected, authenticate_bundle, format_time
from policies.defaults import DEMO_VERSION
from policies.encoding import encode_base64
from policies.signing import SigningKey, sign_policy_dir
from sync.protocol import KB_DOCUMENT_SUFFIXES, KbDelta, is_kb_file
from sync.server.centre_keys import CentreKeys
from sync.server.errors import PublishRefused, RecordNotFound, RequestInvalid
from sync.server.records import Clock
from sync.server.storage import Storage, devices, fleet
from sync.server.storage.audit import record_event
from sync.server.storage.fleet import KillSwitch, Scope
from sync.server.storage.schema import kb_versions, policy_bundles

MAX_KB_FILE_BYTES = 16 * 1024 * 1024
SHIPPED_KB_VERSION = 1
"""The KB version of a device's home as set up (one ingest of the demo data):
the centre's first KB version is above it, or new devices would ignore it."""


class Publisher:
    """Publishes for supervisors.

    Args:
        storage: The service's storage.
        keys: The centre's keys: new bundles and KB versions are signed with
            the active one, and a bundle signed elsewhere must verify with
            the current key set.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, keys: CentreKeys, *, clock: Clock) -> None:
        self._storage = storage
        self._keys = keys
        self._clock = clock

    def publish_bundle(self, data: bytes, *, actor: str) -> int:
        """Store a signed bundle for devices to pull; returns its version.

        Raises:
            PublishRefused: it does not verify with the centre's current key
                set, has expired, or its version is not above the newest
                published.
        """
        key_set = self._keys.current().key_set
        try:
            bundle = authenticate_bundle(data, key_set.trusted)
        except BundleRejected as exc:
            raise PublishRefused(
                f"The bundle was not published: {exc.message} Devices trust "
                f"only the centre's key set version {key_set.version}; sign "
                "the policy sources here instead (policy publish DIR)."
            ) from exc
        now = self._clock()
        manifest = bundle.manifest
        if manifest.is_expired(now):
            raise PublishRefused(
                f"The bundle expired at {format_time(manifest.expires_at)}; sign a "
                "new one."
            )
        with self._storage.write() as connection:
            store_bundle(connection, data, bundle, at=now, actor=actor)
        return bundle.version

    def publish_policy_dir(
        self,
        folder: Path,
        *,
        expires_in: timedelta,
        actor: str,
        version: int | None = None,
    ) -> int:
        """Sign the policy sources in ``folder`` and publish them.

        Args:
            folder: The policy source files.
            expires_in: How long the bundle stays valid.
            actor: Who publishes.
            version: The version (default: one above the newest).

        Raises:
            PolicyError: a source file is invalid.
            PublishRefused: the version is not above the newest.
        """
        now = self._clock()
        if version is None:
            with self._storage.read() as connection:
                version = next_policy_version(connection)
        data = sign_policy_dir(
            folder,
            self._keys.signing_key(),
            version=version,
            issued_at=now,
            expires_at=now + expires_in,
        )
        return self.publish_bundle(data, actor=actor)

    def publish_kb(self, path: Path, *, actor: str) -> KbPublished:
        """Sign and publish the documents at ``path`` as the next KB version.

        A folder's files become documents named by their relative paths; a
        single file is one document. Files devices do not take in a KB
        (anything but documents and the KB's own description) are left out
        and named. The version is stored as a full snapshot and as a delta
        from the previous version.

        Raises:
            PublishRefused: nothing to publish, or a file cannot be read.
        """
        files, skipped = read_kb_files(path)
        key = self._keys.signing_key()
        now = self._clock()
        with self._storage.write() as connection:
            version = store_kb(connection, key, files, at=now, actor=actor)
        return KbPublished(version, len(files), skipped)

    def assign_jobs(
        self, device_id: str, document: Mapping[str, Any], *, actor: str
    ) -> int:
        """Replace the device's job book; returns its new version.

        Raises:
            RecordNotFound: no such device.
            PublishRefused: the document is not ``{"jobs": [...], "assets": [...]}``.
        """
        _check_job_book(document)
        now = self._clock()
        with self._storage.write() as connection:
            if devices.device(connection, device_id) is None:
                raise RecordNotFound(
                    f"No device {device_id} is enrolled.", record_id=device_id
                )
            version = fleet.assign_jobs(
                connection, device_id, document, at=now, actor=actor
            )
            record_event(
                connection,
                at=now,
                actor=actor,
                event="jobs_assigned",
                detail={"device_id": device_id, "version": version},
            )
        return version

    def kill_switch(
        self, scope: Scope, target: str, *, enabled: bool, reason: str, actor: str
    ) -> KillSwitch:
        """Throw (``enabled``) or reset a kill switch for a device, a
        technician's devices, a tool or the fleet.

        Raises:
            RequestInvalid: a device, technician or tool switch names none, or
                the fleet's names one.
        """
        target = target.strip()
        if (scope == "fleet") != (not target):
            raise RequestInvalid(
                "The fleet's kill switch names nothing; a device's, a "
                "technician's or a tool's names which one. Say which and try again."
            )
        switch = KillSwitch(scope, target, enabled, reason, self._clock(), actor)
        with self._storage.write() as connection:
            fleet.set_kill_switch(connection, switch)
            record_event(
                connection,
                at=switch.updated_at,
                actor=actor,
                event="kill_switch",
                detail={
                    "scope": scope,
                    "target": target,
                    "enabled": enabled,
                    "reason": reason,
                },
            )
        return switch


def store_bundle(
    connection: Connection, data: bytes, bundle: Bundle, *, at: datetime, actor: str
) -> None:
    """Store an authenticated bundle for pull, in the caller's transaction.

    Raises:
        PublishRefused: its version is not above the newest published, or
            not above what devices already run.
    """
    fleet.lock_publishing(connection, policy_bundles)
    latest = fleet.latest_policy_version(connection)
    if bundle.version <= latest:
        raise PublishRefused(
            f"Version {bundle.version} is not above the published version "
            f"{latest}; policy versions only go up."
        )
    floor = _policy_floor(connection)
    if bundle.version <= floor:
        raise PublishRefused(
            f"Version {bundle.version} is not above version {floor}, which "
            "devices already run (the app ships one, and devices report "
            "theirs): they would ignore it. Sign it with a higher version."
        )
    manifest = bundle.manifest
    fleet.add_bundle(
        connection,
        version=bundle.version,
        document=data.decode("utf-8"),
        key_id=manifest.key_id,
        issued_at=manifest.issued_at,
        expires_at=manifest.expires_at,
        at=at,
        actor=actor,
    )
    record_event(
        connection,
        at=at,
        actor=actor,
        event="policy_published",
        detail={"version": bundle.version, "key_id": manifest.key_id},
    )


def next_policy_version(connection: Connection) -> int:
    """The version the next bundle signed here gets: above the newest
    published and above any a device runs."""
    return max(fleet.latest_policy_version(connection), _policy_floor(connection)) + 1


def store_kb(
    connection: Connection,
    key: SigningKey,
    files: Mapping[str, str],
    *,
    at: datetime,
    actor: str,
) -> int:
    """Sign ``files`` as the next KB version and store it for pull, as a full
    snapshot and as a delta from the previous version, in the caller's
    transaction; returns the version."""
    fleet.lock_publishing(connection, kb_versions)
    latest = fleet.latest_kb_version(connection)
    previous = fleet.kb_version(connection, latest) if latest else None
    # Above any KB a device runs (its own ingests count), or it is refused.
    reported = fleet.highest_reported(connection, "kb")
    version = max(latest, reported, SHIPPED_KB_VERSION) + 1
    snapshot = signed_kb(key, version=version, base=None, files=files)
    delta = None
    if previous is not None:
        old = KbDelta.model_validate_json(previous["snapshot"]).files
        delta = signed_kb(
            key,
            version=version,
            base=latest,
            files={k: v for k, v in files.items() if old.get(k) != v},
            removed=sorted(set(old) - set(files)),
        )
    fleet.add_kb_version(
        connection,
        version=version,
        base_version=latest or None,
        snapshot=snapshot.model_dump_json(),
        delta=None if delta is None else delta.model_dump_json(),
        at=at,
        actor=actor,
    )
    record_event(
        connection,
        at=at,
        actor=actor,
        event="kb_published",
        detail={"version": version, "documents": len(files)},
    )
    return version


def signed_kb(
    key: SigningKey,
    *,
    version: int,
    base: int | None,
    files: Mapping[str, str],
    removed: list[str] | None = None,
) -> KbDelta:
    """A KB delta (``base`` given) or snapshot signed with ``key``."""
    unsigned = KbDelta(
        version=version,
        base_version=base,
        files=dict(files),
        removed=removed or [],
        signature="",
        key_id=key.key_id,
    )
    signature = encode_base64(key.sign(unsigned.signed_bytes()))
    return unsigned.model_copy(update={"signature": signature})


@dataclass(frozen=True, slots=True)
class KbPublished:
    """A published KB version: its number, its files, and what was left out."""

    version: int
    files: int
    skipped: tuple[str, ...]


def read_kb_files(path: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Document id to base64 content of the files at ``path`` that devices
    take in a KB, and the ids of those left out.

    Raises:
        PublishRefused: no files, a file too large, or unreadable.
    """
    try:
        paths = (
            sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
            if path.is_dir()
            else [path]
        )
        files = {}
        skipped = []
        for file in paths:
            if file.stat().st_size > MAX_KB_FILE_BYTES:
                raise PublishRefused(f"{file} is over {MAX_KB_FILE_BYTES} bytes.")
            doc_id = file.relative_to(path).as_posix() if path.is_dir() else file.name
            if not is_kb_file(doc_id):
                skipped.append(doc_id)
                continue
            files[doc_id] = encode_base64(file.read_bytes())
    except OSError as exc:
        raise PublishRefused(f"Cannot read {path} ({exc.strerror}).") from exc
    if not files:
        raise PublishRefused(
            f"{path} holds no documents to publish (devices take "
            f"{', '.join(KB_DOCUMENT_SUFFIXES)} files, kb.toml and glossary.toml)."
        )
    return files, tuple(skipped)


def _check_job_book(document: Mapping[str, Any]) -> None:
    jobs = document.get("jobs")
    assets = document.get("assets", [])
    if not isinstance(jobs, list) or not isinstance(assets, list):
        raise PublishRefused(
            'A job book is a JSON object {"jobs": [...], "assets": [...]}.'
        )
    for job in jobs:
        if not isinstance(job, dict) or not isinstance(job.get("job_id"), str):
            raise PublishRefused("Every job needs a job_id (text).")


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from a file.

    Raises:
        PublishRefused: unreadable, not JSON, or not an object.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PublishRefused(f"Cannot read {path} ({exc.strerror}).") from exc
    except ValueError as exc:
        raise PublishRefused(f"{path} is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise PublishRefused(f"{path} must hold a JSON object.")
    return data


def _policy_floor(connection: Connection) -> int:
    """The highest policy version a device may run: the bundle the app ships,
    or any a device reported."""
    return max(DEMO_VERSION, fleet.highest_reported(connection, "policy"))
