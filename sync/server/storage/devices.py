"""SQL for devices, enrolment tokens and request nonces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.chain import GENESIS_HASH
from sync.server.records import DeviceRecord
from sync.server.storage.schema import devices, enrol_tokens, nonces
from sync.server.storage.store import insert_ignoring, load_json


def add_token(
    connection: Connection,
    *,
    token_hash: str,
    binding_key: str,
    technician_id: str | None,
    role: str,
    created_at: datetime,
    expires_at: datetime,
    created_by: str,
) -> None:
    """Store a new enrolment token (only its hash)."""
    connection.execute(
        enrol_tokens.insert().values(
            token_hash=token_hash,
            binding_key=binding_key,
            technician_id=technician_id,
            role=role,
            created_at=created_at,
            expires_at=expires_at,
            created_by=created_by,
        )
    )


def token(connection: Connection, token_hash: str) -> sa.Row[Any] | None:
    """The token with this hash, locked for the enrolment that uses it."""
    query = (
        sa.select(enrol_tokens)
        .where(enrol_tokens.c.token_hash == token_hash)
        .with_for_update()
    )
    return connection.execute(query).first()


def use_token(
    connection: Connection, token_hash: str, *, device_id: str, at: datetime
) -> bool:
    """Mark the token used if it still is unused and unexpired; ``False`` if not."""
    result = connection.execute(
        enrol_tokens.update()
        .where(
            enrol_tokens.c.token_hash == token_hash,
            enrol_tokens.c.used_at.is_(None),
            enrol_tokens.c.expires_at > at,
        )
        .values(used_at=at, used_by=device_id)
    )
    return result.rowcount == 1


def add_device(
    connection: Connection,
    *,
    device_id: str,
    name: str,
    technician_id: str,
    role: str,
    secret: str,
    at: datetime,
) -> bool:
    """Store a new device; ``False`` if the id is taken."""
    row = {
        "device_id": device_id,
        "name": name,
        "technician_id": technician_id,
        "role": role,
        "secret": secret,
        "enrolled_at": at,
        "chain_hash": GENESIS_HASH,
        "revoked_reason": "",
        "chain_seq": 0,
        "last_result_id": 0,
        "policy_version": 0,
        "kb_version": 0,
        "jobs_version": 0,
        "client_version": "",
    }
    return insert_ignoring(connection, devices, [row], ["device_id"]) == 1


def device(
    connection: Connection, device_id: str, *, lock: bool = False
) -> DeviceRecord | None:
    """The device, or ``None``; ``lock`` holds its row until the transaction ends
    (how pushes and reviews of one device are serialised across processes)."""
    query = sa.select(devices).where(devices.c.device_id == device_id)
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).first()
    return None if row is None else device_from_row(row)


def all_devices(connection: Connection) -> list[DeviceRecord]:
    """Every device, in enrolment order."""
    query = sa.select(devices).order_by(devices.c.enrolled_at, devices.c.device_id)
    return [device_from_row(row) for row in connection.execute(query)]


def revoke(
    connection: Connection, device_id: str, *, at: datetime, reason: str
) -> bool:
    """Revoke the device; ``False`` if there is no such device."""
    result = connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(
            revoked_at=sa.func.coalesce(devices.c.revoked_at, at), revoked_reason=reason
        )
    )
    return result.rowcount == 1


def remember_nonce(
    connection: Connection, device_id: str, nonce: str, *, at: datetime
) -> bool:
    """Record a request's nonce; ``False`` if the device used it before."""
    row = {"device_id": device_id, "nonce": nonce, "seen_at": at}
    return insert_ignoring(connection, nonces, [row], ["device_id", "nonce"]) == 1


def forget_nonces(connection: Connection, *, before: datetime) -> int:
    """Drop nonces older than the signature window allows anyway."""
    result = connection.execute(nonces.delete().where(nonces.c.seen_at < before))
    return int(result.rowcount or 0)


def seen(connection: Connection, device_id: str, *, at: datetime) -> None:
    """Record the device's latest authenticated request."""
    connection.execute(
        devices.update().where(devices.c.device_id == device_id).values(last_seen_at=at)
    )


def report_versions(connection: Connection, device_id: str, **versions: Any) -> None:
    """Record the versions the device reported (policy, KB, jobs, client)."""
    connection.execute(
        devices.update().where(devices.c.device_id == device_id).values(**versions)
    )


def device_from_row(row: sa.Row[Any]) -> DeviceRecord:
    m = row._mapping
    return DeviceRecord(
        device_id=m["device_id"],
        name=m["name"],
        technician_id=m["technician_id"],
        role=m["role"],
        secret=m["secret"],
        enrolled_at=m["enrolled_at"],
        revoked_at=m["revoked_at"],
        revoked_reason=m["revoked_reason"],
        last_seen_at=m["last_seen_at"],
        chain_seq=m["chain_seq"],
        chain_hash=m["chain_hash"],
        last_result_id=m["last_result_id"],
        policy_version=m["policy_version"],
        kb_version=m["kb_version"],
        jobs_version=m["jobs_version"],
        client_version=m["client_version"],
        key_set_version=m["key_set_version"],
        refused_updates=tuple(load_json(m["refused_updates"]) or ()),
        queue_depth=m["queue_depth"],
        journal_place=m["journal_place"],
        model=m["model"],
        model_sha256=m["model_sha256"],
        release_id=m["release_id"],
        release_since=m["release_since"],
    )
