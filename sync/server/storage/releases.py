"""SQL for releases: their history, and which release each device runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import devices, releases


@dataclass(frozen=True, slots=True)
class Release:
    """One named set of what devices run, as the centre recorded it.

    Attributes:
        release_id: Its number (1, 2, ...); newer releases have higher ones.
        name: Its name, unique.
        model_name: The model file's name.
        model_sha256: The SHA-256 of the model file's bytes.
        policy_version: The published policy bundle's version.
        policy_sha256: The SHA-256 of that bundle's policy files.
        kb_version: The published KB version.
        kb_sha256: The SHA-256 of that KB snapshot's files (glossary and
            code formats included).
        app_version: The app version it was made for.
        created_at: When it was made.
        created_by: Who made it.
        rollback_of: For a rollback: the release that was newest when it
            was made (the one rolled back).
        restores: For a rollback: the release whose content it brings back.
        reason: Why the rollback was made.
    """

    release_id: int
    name: str
    model_name: str
    model_sha256: str
    policy_version: int
    policy_sha256: str
    kb_version: int
    kb_sha256: str
    app_version: str
    created_at: datetime
    created_by: str
    rollback_of: int | None = None
    restores: int | None = None
    reason: str = ""


def lock_releases(connection: Connection) -> None:
    """Serialise the making of releases (PostgreSQL: a lock on the table)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE"))


def add_release(connection: Connection, release: Release) -> None:
    """Store a release (the caller took its number from :func:`next_release_id`)."""
    connection.execute(
        releases.insert().values(
            release_id=release.release_id,
            name=release.name,
            model_name=release.model_name,
            model_sha256=release.model_sha256,
            policy_version=release.policy_version,
            policy_sha256=release.policy_sha256,
            kb_version=release.kb_version,
            kb_sha256=release.kb_sha256,
            app_version=release.app_version,
            rollback_of=release.rollback_of,
            restores=release.restores,
            reason=release.reason,
            created_at=release.created_at,
            created_by=release.created_by,
        )
    )


def next_release_id(connection: Connection) -> int:
    """One above the newest release's number."""
    newest = connection.scalar(sa.select(sa.func.max(releases.c.release_id)))
    return int(newest or 0) + 1


def newest_release(connection: Connection) -> Release | None:
    """The newest release, if any."""
    query = sa.select(releases).order_by(releases.c.release_id.desc()).limit(1)
    row = connection.execute(query).first()
    return None if row is None else _release(row)


def release_before(connection: Connection, release_id: int) -> Release | None:
    """The release made just before ``release_id``, if any."""
    query = (
        sa.select(releases)
        .where(releases.c.release_id < release_id)
        .order_by(releases.c.release_id.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return None if row is None else _release(row)


def find_release(connection: Connection, name_or_id: str) -> Release | None:
    """The release of this name, or of this number (names are never numbers)."""
    condition = (
        releases.c.release_id == int(name_or_id)
        if name_or_id.isdigit() and len(name_or_id) < 10
        else releases.c.name == name_or_id
    )
    row = connection.execute(sa.select(releases).where(condition)).first()
    return None if row is None else _release(row)


def all_releases(connection: Connection) -> list[Release]:
    """Every release, newest first."""
    query = sa.select(releases).order_by(releases.c.release_id.desc())
    return [_release(row) for row in connection.execute(query)]


def matching_release(
    connection: Connection, *, policy_version: int, kb_version: int, model_sha256: str
) -> int:
    """The newest release made of exactly these parts (0: none)."""
    if not model_sha256:
        return 0
    found = connection.scalar(
        sa.select(sa.func.max(releases.c.release_id)).where(
            releases.c.policy_version == policy_version,
            releases.c.kb_version == kb_version,
            releases.c.model_sha256 == model_sha256,
        )
    )
    return int(found or 0)


def set_running(
    connection: Connection, device_id: str, release_id: int, *, at: datetime
) -> None:
    """Record that the device runs ``release_id`` (0: none) since ``at``."""
    connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(release_id=release_id, release_since=at if release_id else None)
    )


def running_counts(connection: Connection) -> dict[int, int]:
    """How many devices (not revoked) run each release; 0 counts those that
    run none."""
    query = (
        sa.select(devices.c.release_id, sa.func.count())
        .where(devices.c.revoked_at.is_(None))
        .group_by(devices.c.release_id)
    )
    return {int(release_id): int(n) for release_id, n in connection.execute(query)}


def _release(row: sa.Row[Any]) -> Release:
    m = row._mapping
    return Release(
        release_id=m["release_id"],
        name=m["name"],
        model_name=m["model_name"],
        model_sha256=m["model_sha256"],
        policy_version=m["policy_version"],
        policy_sha256=m["policy_sha256"],
        kb_version=m["kb_version"],
        kb_sha256=m["kb_sha256"],
        app_version=m["app_version"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        rollback_of=m["rollback_of"],
        restores=m["restores"],
        reason=m["reason"],
    )
