"""Publishing an older release's policy and KB again, under new versions.

A bundle's version is inside its signed manifest, so the old bundle's policy
files are signed again with the centre's active key under the next version,
valid for as long as the old one was. A KB version is stored with all its
files, so they are signed again as the next KB version (a snapshot, and a
delta from the newest). A part whose newest publication already has the old
content (a bundle: and has not expired) is not published again. Everything
runs in the caller's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.engine import Connection

from policies import TrustedKeys, authenticate_bundle, parse_time
from policies.signing import SigningKey, build_bundle
from sync.protocol import KbDelta
from sync.server.errors import PublishRefused
from sync.server.publishing import next_policy_version, store_bundle, store_kb
from sync.server.releases.parts import kb_sha256, policy_sha256
from sync.server.storage import fleet
from sync.server.storage.releases import Release
from sync.server.storage.schema import policy_bundles


def restore_policy(
    connection: Connection,
    release: Release,
    key: SigningKey,
    *,
    at: datetime,
    actor: str,
) -> tuple[int, bool]:
    """The policy version that carries ``release``'s policy content, and
    whether it was published again for that.

    Raises:
        PublishRefused: the release's bundle is no longer stored.
    """
    fleet.lock_publishing(connection, policy_bundles)
    newest = fleet.latest_bundle(connection)
    if (
        newest is not None
        and newest.expires_at > at
        and policy_sha256(newest.document) == release.policy_sha256
    ):
        return newest.version, False
    old = fleet.bundle(connection, release.policy_version)
    if old is None:
        raise PublishRefused(
            f"Policy version {release.policy_version} of release {release.name} "
            "is not stored here any more; publish its sources instead."
        )
    document = json.loads(old.document)
    manifest = document["manifest"]
    issued, expires = (
        parse_time(manifest["issued_at"]),
        parse_time(manifest["expires_at"]),
    )
    if issued is None or expires is None:
        raise PublishRefused(
            f"Policy version {release.policy_version} has unreadable times; "
            "publish its sources instead."
        )
    version = next_policy_version(connection)
    data = build_bundle(
        document["files"],
        key,
        version=version,
        issued_at=at,
        expires_at=at + (expires - issued),
        min_client_version=manifest["min_client_version"],
    )
    bundle = authenticate_bundle(data, TrustedKeys.of(key.public_key))
    store_bundle(connection, data, bundle, at=at, actor=actor)
    return version, True


def restore_kb(
    connection: Connection,
    release: Release,
    key: SigningKey,
    *,
    at: datetime,
    actor: str,
) -> tuple[int, bool]:
    """The KB version that carries ``release``'s KB content, and whether it
    was published again for that.

    Raises:
        PublishRefused: the release's KB version is no longer stored.
    """
    latest = fleet.latest_kb_version(connection)
    newest = fleet.kb_version(connection, latest) if latest else None
    if newest is not None and kb_sha256(newest["snapshot"]) == release.kb_sha256:
        return latest, False
    old = fleet.kb_version(connection, release.kb_version)
    if old is None:
        raise PublishRefused(
            f"KB version {release.kb_version} of release {release.name} is not "
            "stored here any more; publish its documents instead."
        )
    files = KbDelta.model_validate_json(old["snapshot"]).files
    return store_kb(connection, key, files, at=at, actor=actor), True
