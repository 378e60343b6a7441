"""SQL for what the centre hands out: policy bundles, KB versions, job books and
kill switches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import (
    devices,
    job_books,
    kb_versions,
    kill_switches,
    policy_bundles,
)
from sync.server.storage.store import dump_json, load_json, upsert

Scope = Literal["fleet", "device", "technician", "tool"]
"""What a kill switch covers: every device, one device, every device of one
technician, or one tool everywhere."""


@dataclass(frozen=True, slots=True)
class StoredBundle:
    """A published policy bundle.

    Attributes:
        version: Its version.
        document: The signed bundle document (JSON text).
        expires_at: When it expires.
    """

    version: int
    document: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class KillSwitch:
    """One kill switch and its state."""

    scope: Scope
    target: str
    enabled: bool
    reason: str
    updated_at: datetime
    updated_by: str

    def stops(self, device_id: str, technician_id: str) -> bool:
        """Whether it stops every action of that device of that technician
        (a tool's switch stops one tool, not the device)."""
        return (
            self.scope == "fleet"
            or (self.scope == "device" and self.target == device_id)
            or (self.scope == "technician" and self.target == technician_id)
        )


def latest_policy_version(connection: Connection) -> int:
    """The newest published policy version (0: none)."""
    return int(connection.scalar(sa.select(sa.func.max(policy_bundles.c.version))) or 0)


def latest_bundle(connection: Connection) -> StoredBundle | None:
    """The newest published bundle, if any."""
    query = sa.select(policy_bundles).order_by(policy_bundles.c.version.desc()).limit(1)
    row = connection.execute(query).first()
    if row is None:
        return None
    return StoredBundle(row.version, row.document, row.expires_at)


def bundle(connection: Connection, version: int) -> StoredBundle | None:
    """The published bundle of this version, if any."""
    query = sa.select(policy_bundles).where(policy_bundles.c.version == version)
    row = connection.execute(query).first()
    if row is None:
        return None
    return StoredBundle(row.version, row.document, row.expires_at)


def add_bundle(
    connection: Connection,
    *,
    version: int,
    document: str,
    key_id: str,
    issued_at: datetime,
    expires_at: datetime,
    at: datetime,
    actor: str,
) -> None:
    """Store a bundle (the caller checked its version is the newest)."""
    connection.execute(
        policy_bundles.insert().values(
            version=version,
            document=document,
            key_id=key_id,
            issued_at=issued_at,
            expires_at=expires_at,
            published_at=at,
            published_by=actor,
        )
    )


def lock_publishing(connection: Connection, table: sa.Table) -> None:
    """Serialise publishers of one kind (PostgreSQL: a lock on the table)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
        )


def highest_reported(connection: Connection, part: Literal["policy", "kb"]) -> int:
    """The highest policy or KB version any device reported running (0: none)."""
    column = devices.c.policy_version if part == "policy" else devices.c.kb_version
    return int(connection.scalar(sa.select(sa.func.max(column))) or 0)


def latest_kb_version(connection: Connection) -> int:
    """The newest published KB version (0: none)."""
    return int(connection.scalar(sa.select(sa.func.max(kb_versions.c.version))) or 0)


def kb_version(connection: Connection, version: int) -> Mapping[str, Any] | None:
    """The stored KB version: ``version``, ``base_version``, ``snapshot``, ``delta``."""
    row = connection.execute(
        sa.select(kb_versions).where(kb_versions.c.version == version)
    ).first()
    return None if row is None else dict(row._mapping)


def kb_changes(connection: Connection) -> list[Mapping[str, Any]]:
    """Every published KB version, oldest first: ``version``,
    ``base_version``, ``delta``, ``published_at`` and ``published_by`` (not
    the snapshots)."""
    query = sa.select(
        kb_versions.c.version,
        kb_versions.c.base_version,
        kb_versions.c.delta,
        kb_versions.c.published_at,
        kb_versions.c.published_by,
    ).order_by(kb_versions.c.version)
    return [dict(row._mapping) for row in connection.execute(query)]


def add_kb_version(
    connection: Connection,
    *,
    version: int,
    base_version: int | None,
    snapshot: str,
    delta: str | None,
    at: datetime,
    actor: str,
) -> None:
    """Store a KB version: its signed snapshot and signed delta from the last."""
    connection.execute(
        kb_versions.insert().values(
            version=version,
            base_version=base_version,
            snapshot=snapshot,
            delta=delta,
            published_at=at,
            published_by=actor,
        )
    )


def job_book(connection: Connection, device_id: str) -> tuple[int, Any] | None:
    """The device's job book as ``(version, document)``, if it has one."""
    row = connection.execute(
        sa.select(job_books.c.version, job_books.c.document).where(
            job_books.c.device_id == device_id
        )
    ).first()
    return None if row is None else (row.version, load_json(row.document))


def job_book_assigned_at(connection: Connection, device_id: str) -> datetime | None:
    """When the device's current job book was assigned, if it has one."""
    value = connection.execute(
        sa.select(job_books.c.assigned_at).where(job_books.c.device_id == device_id)
    ).scalar()
    return value if isinstance(value, datetime) else None


def assign_jobs(
    connection: Connection,
    device_id: str,
    document: Mapping[str, Any],
    *,
    at: datetime,
    actor: str,
) -> int:
    """Replace the device's job book; returns its new version."""
    current = connection.execute(
        sa.select(job_books.c.version)
        .where(job_books.c.device_id == device_id)
        .with_for_update()
    ).scalar()
    version = int(current or 0) + 1
    upsert(
        connection,
        job_books,
        [
            {
                "device_id": device_id,
                "version": version,
                "document": dump_json(dict(document)),
                "assigned_at": at,
                "assigned_by": actor,
            }
        ],
        ["device_id"],
        ["version", "document", "assigned_at", "assigned_by"],
    )
    return version


def set_kill_switch(connection: Connection, switch: KillSwitch) -> None:
    """Throw or reset one kill switch."""
    upsert(
        connection,
        kill_switches,
        [
            {
                "scope": switch.scope,
                "target": switch.target,
                "enabled": switch.enabled,
                "reason": switch.reason,
                "updated_at": switch.updated_at,
                "updated_by": switch.updated_by,
            }
        ],
        ["scope", "target"],
        ["enabled", "reason", "updated_at", "updated_by"],
    )


def kill_switches_on(connection: Connection) -> list[KillSwitch]:
    """Every kill switch that is on."""
    query = (
        sa.select(kill_switches)
        .where(kill_switches.c.enabled.is_(True))
        .order_by(kill_switches.c.scope, kill_switches.c.target)
    )
    return [
        KillSwitch(
            row.scope,
            row.target,
            row.enabled,
            row.reason,
            row.updated_at,
            row.updated_by,
        )
        for row in connection.execute(query)
    ]
