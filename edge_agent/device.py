"""This device's identity: a stable id, created on first use, kept in the home.

Enrolment with the central service (a later step) records the centre's id for
the device here too; until then the local id names the outbox's records.

``device.json`` also remembers the device's outbox: its random id and the
last link of its chain (see :mod:`edge_agent.device_outbox`), and every time
the outbox was reset knowingly.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent.errors import ConfigError, LocalDamage
from edge_agent.files import create_atomic, write_json_atomic
from edge_agent.home import HomeLayout


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """What the device remembers of its outbox.

    Attributes:
        outbox_id: The outbox's random id (kept inside ``outbox.db`` too).
        seq: The last sequence number it had given out, when last seen.
        row_hash: That action's hash (the genesis hash before any action).
    """

    outbox_id: str
    seq: int
    row_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"outbox_id": self.outbox_id, "seq": self.seq, "row_hash": self.row_hash}


def device_id(home: Path) -> str:
    """The device id stored in ``home``, created the first time.

    Raises:
        ConfigError: the file exists but is damaged.
        LocalDamage: it is missing from a home that has an outbox or
            credentials, so the device had one; nothing was written.
    """
    path = HomeLayout(home).device_file
    try:
        data = _read(path)
    except FileNotFoundError:
        _refuse_a_lost_identity(HomeLayout(home))
        data = {"device_id": f"dev-{uuid.uuid4().hex[:12]}"}
        encoded = json.dumps(data, indent=2).encode("utf-8")
        if not create_atomic(path, encoded):
            return device_id(home)  # Another thread or process created it first.
    value = data.get("device_id")
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path} has no device_id; ask the depot to re-enrol.")
    return value


def _refuse_a_lost_identity(layout: HomeLayout) -> None:
    """A home with an outbox or credentials had a ``device.json``: a new id
    would part the device from its queued actions and its enrolment."""
    found = [p.name for p in (layout.outbox_db, layout.credentials_file) if p.exists()]
    if not found:
        return
    path = layout.device_file
    known = _enrolled_id(layout.credentials_file)
    by_hand = (
        f" If it is lost for good, write {path.name} with the id the "
        f"centre gave this device (kept in {layout.credentials_file.name}): "
        f'{{"device_id": "{known}"}}; the outbox is then taken as found and '
        "recorded again."
        if known
        else ""
    )
    raise LocalDamage(
        f"The device file {path} is missing, but this home has "
        f"{' and '.join(found)}, so the device had one (its id, the record of "
        "its outbox and its resets). Nothing was written in its place: a new "
        "id would part the device from its queued actions. Put the file back "
        f"from a backup.{by_hand}",
        path=path,
        title="Device file lost",
    )


def _enrolled_id(path: Path) -> str | None:
    """The device id in the credentials file, if it can be read."""
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("device_id")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def outbox_record(home: Path) -> OutboxRecord | None:
    """The outbox the device remembers, or ``None`` if it never recorded one.

    Raises:
        ConfigError: ``device.json`` is damaged, or its record of the outbox is.
    """
    path = HomeLayout(home).device_file
    try:
        data = _read(path)
    except FileNotFoundError:
        return None
    found = data.get("outbox")
    if found is None:
        return None
    try:
        return OutboxRecord(
            outbox_id=_text(found["outbox_id"]),
            seq=_count(found["seq"]),
            row_hash=_text(found["row_hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path} has a damaged record of the outbox ({exc}); restore the file "
            "from a backup. The outbox itself was not touched.",
            title="Device file damaged",
        ) from exc


def write_outbox_record(
    home: Path, record: OutboxRecord, *, reset: dict[str, Any] | None = None
) -> None:
    """Remember ``record`` as the device's outbox, keeping the rest of the file.

    ``reset`` (what was found and what replaced it) is added to the file's
    list of outbox resets.

    Raises:
        ConfigError: ``device.json`` is damaged.
        OSError: it cannot be written; the previous content stays.
    """
    path = HomeLayout(home).device_file
    data = _read(path)
    data["outbox"] = record.as_dict()
    if reset is not None:
        data["outbox_resets"] = [*data.get("outbox_resets", []), reset]
    write_json_atomic(path, data)


def outbox_resets(home: Path) -> list[dict[str, Any]]:
    """Every knowing reset of the outbox, oldest first (empty if none).

    Raises:
        ConfigError: ``device.json`` is damaged.
    """
    try:
        data = _read(HomeLayout(home).device_file)
    except FileNotFoundError:
        return []
    resets = data.get("outbox_resets", [])
    return [reset for reset in resets if isinstance(reset, dict)]


def _read(path: Path) -> dict[str, Any]:
    """``device.json`` as a JSON object.

    Raises:
        FileNotFoundError: there is none yet.
        ConfigError: it exists but is damaged.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path} is damaged ({exc}); restore it from a backup or ask the "
            "depot to re-enrol this device. Queued actions are kept."
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} has no device_id; ask the depot to re-enrol.")
    return data


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not a non-empty text")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value
