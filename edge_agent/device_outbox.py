"""The device's outbox, opened only when it is the one the device made.

SQLite makes a new, empty database wherever it finds no file (or an empty
one), so without a record of its own a device would start a new outbox over a
lost one without a word, and number its next action 1 again. The device
therefore remembers its outbox in ``device.json``: the outbox's random id
(kept inside ``outbox.db`` too) and the last link of its chain (its head).
The record is written when the outbox is first opened, and brought up to date
whenever a command closes the outbox after queueing (and at the next open,
should a command have been killed before).

Before anything is created, what is found is compared with the record: no
file, an empty file, a damaged file, another outbox (another id) or an older
copy (a head below the recorded one) is :class:`~edge_agent.errors.OutboxLost`.
Nothing is created or overwritten; the message says to put the file back from
a backup or to reset the outbox knowingly (:func:`reset_outbox`), which is
recorded in ``device.json``.

The record only ever lags the outbox (it is written after the outbox
commits), so the check can miss the last few actions of a killed command,
never accuse a sound outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from edge_agent.clock import Clock
from edge_agent.config import EdgeSettings
from edge_agent.depot.sync_state import read_sync_state, write_sync_state
from edge_agent.device import (
    OutboxRecord,
    device_id,
    outbox_record,
    write_outbox_record,
)
from edge_agent.errors import ConfigError, OutboxLost
from sync import ChainHead, Outbox, OutboxCorrupt, OutboxError, OutboxIdentity

logger = logging.getLogger(__name__)

RESET_COMMAND = "edge-agent actions reset-outbox --i-understand"


@contextmanager
def device_outbox(settings: EdgeSettings) -> Iterator[Outbox]:
    """The device's outbox for one command: checked when opened, remembered
    when closed.

    Raises:
        OutboxLost: the outbox is missing, empty, damaged, another one or an
            older copy; nothing was created or changed.
        ConfigError: ``device.json`` is damaged.
        OutboxError: the outbox cannot be opened (locked, no permission).
    """
    outbox = open_device_outbox(settings)
    try:
        yield outbox
    finally:
        try:
            _remember(settings.home, outbox.identity())
        except (OutboxError, ConfigError) as exc:
            # The command's own work is committed; a record that lags is safe.
            logger.warning("cannot record the outbox's head: %s", exc)
        finally:
            outbox.close()


def open_device_outbox(settings: EdgeSettings) -> Outbox:
    """Open the device's outbox once it is known to be the one it made.

    A device that never recorded an outbox (a new home, or one from before
    the record existed) opens or creates it and records it.

    Raises:
        OutboxLost: see :func:`device_outbox`.
    """
    home, path = settings.home, settings.layout.outbox_db
    local = device_id(home)
    record = outbox_record(home)
    if record is not None:
        _check_file(path, record)
    outbox = _open(path, local)
    try:
        found = outbox.identity()
        if record is not None:
            _check_identity(path, record, found)
        _remember(home, found)
    except BaseException:
        outbox.close()
        raise
    return outbox


@dataclass(frozen=True, slots=True)
class OutboxReset:
    """What :func:`reset_outbox` found and did.

    Attributes:
        found: What was wrong (``missing``, ``empty``, ``replaced``,
            ``behind``), or ``None`` when the outbox was sound.
        before: The outbox the device had recorded, if any.
        now: The outbox the device uses from now on.
    """

    found: str | None
    before: OutboxRecord | None
    now: OutboxRecord


def reset_outbox(settings: EdgeSettings, *, clock: Clock) -> OutboxReset:
    """Take the outbox as it is now as the device's own, knowingly.

    A missing or empty outbox is replaced by a new one whose numbering and
    chain go on from the last action the device recorded; another outbox or
    an older copy is kept as found. The reset is recorded in ``device.json``
    (when, what was found, which outbox was lost), and the journal is sent
    again from its start at the next sync, as the new outbox numbers its
    turns anew (the centre keeps each turn once).

    Raises:
        OutboxLost: the outbox is damaged: the reset leaves it alone, and the
            message says to move it aside first.
    """
    record = outbox_record(settings.home)
    try:
        open_device_outbox(settings).close()
    except OutboxLost as lost:
        if lost.found == "damaged":
            raise
        found: str | None = lost.found
    else:
        found = None
    if found is None or record is None:
        current = _current(settings)
        return OutboxReset(None, record, current)
    _refuse_a_stray_wal(settings.layout.outbox_db, found)
    after = ChainHead(record.seq, record.row_hash)
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home), after=after
    ) as outbox:
        now = _record_of(outbox.identity())
    at = clock().isoformat(timespec="seconds")
    reset = {"at": at, "found": found, "lost": record.as_dict(), "now": now.as_dict()}
    write_outbox_record(settings.home, now, reset=reset)
    state = read_sync_state(settings.home)
    write_sync_state(settings.home, replace(state, journal_cursor=0))
    logger.warning("outbox reset: %s", reset)
    return OutboxReset(found, record, now)


def _refuse_a_stray_wal(path: Path, found: str) -> None:
    """A new outbox must not take up the write-ahead log of the lost one."""
    wal = Path(f"{path}-wal")
    if found in ("missing", "empty") and wal.exists():
        raise OutboxLost(
            f"{wal} is still there and may hold the lost outbox's last actions. "
            f"Put {path.name} back from a backup; or move {wal.name} (and "
            f"{path.name}-shm) aside, keeping them for support, and reset again.",
            path=path,
            found=found,
        )


def _current(settings: EdgeSettings) -> OutboxRecord:
    with device_outbox(settings) as outbox:
        return _record_of(outbox.identity())


def _open(path: Path, local: str) -> Outbox:
    try:
        return Outbox.open(path, device_id=local)
    except OutboxCorrupt as exc:
        raise OutboxLost(
            f"{exc.message.rstrip('.')}. Put it back from a backup, or move it "
            "aside (keep it for support) and run "
            f"'{RESET_COMMAND}' to start a new outbox; the reset is recorded.",
            path=path,
            found="damaged",
        ) from exc


def _check_file(path: Path, record: OutboxRecord) -> None:
    """Refuse a missing or empty file where the device had its outbox."""
    if path.is_file() and path.stat().st_size > 0:
        return
    if path.exists() and not path.is_file():
        raise OutboxLost(
            f"The outbox {path} is not a file (a folder or another thing is in its "
            "place). It was left as it is: move it aside, then put the outbox back "
            f"from a backup or run '{RESET_COMMAND}'.",
            path=path,
            found="damaged",
        )
    found = "empty" if path.is_file() else "missing"
    what = "is empty (0 bytes)" if found == "empty" else "is missing"
    wal = Path(f"{path}-wal")
    with_wal = " (with its -wal file, which is still there)" if wal.exists() else ""
    raise OutboxLost(
        f"The outbox {path} {what}, but this device made one (outbox "
        f"{record.outbox_id}, {_numbered(record.seq)}). Nothing was created in its "
        f"place. Put the file back from a backup{with_wal}; or, if it is lost "
        f"for good, run '{RESET_COMMAND}' to start a new outbox whose first "
        f"action is number {record.seq + 1} (the reset is recorded).",
        path=path,
        found=found,
    )


def _check_identity(path: Path, record: OutboxRecord, found: OutboxIdentity) -> None:
    """Refuse another outbox, or an older copy of the device's own."""
    if found.outbox_id != record.outbox_id:
        raise OutboxLost(
            f"The outbox {path} is not the one this device made: it is outbox "
            f"{found.outbox_id} ({_numbered(found.head.seq)}), the device's is "
            f"{record.outbox_id} ({_numbered(record.seq)}). Nothing was changed. "
            "Put the device's own outbox back from a backup, or run "
            f"'{RESET_COMMAND}' to take this one as the device's outbox (the "
            "reset is recorded).",
            path=path,
            found="replaced",
        )
    if found.head.seq < record.seq:
        missing = _range(found.head.seq + 1, record.seq)
        raise OutboxLost(
            f"The outbox {path} is an older copy: its last action is number "
            f"{found.head.seq}, but this device had recorded up to "
            f"{record.seq}, so {missing} are not in it. Nothing was changed. "
            "Put back the newest copy from a backup, or run "
            f"'{RESET_COMMAND}' to carry on with this one (the reset is "
            "recorded; the centre holds actions numbered again for review).",
            path=path,
            found="behind",
        )


def _remember(home: Path, found: OutboxIdentity) -> None:
    """Record the outbox's head if it moved on (only forward, only this outbox).

    Best effort once the outbox is open: a record that cannot be written
    only lags, which is safe, so the failure is logged, not raised.
    """
    record = outbox_record(home)
    if record is not None and (
        record.outbox_id != found.outbox_id or record.seq >= found.head.seq
    ):
        return
    try:
        write_outbox_record(home, _record_of(found))
    except OSError as exc:
        logger.warning("cannot record the outbox's head in device.json: %s", exc)


def _record_of(found: OutboxIdentity) -> OutboxRecord:
    return OutboxRecord(found.outbox_id, found.head.seq, found.head.row_hash)


def _numbered(seq: int) -> str:
    return "no action yet" if seq == 0 else f"actions numbered up to {seq}"


def _range(first: int, last: int) -> str:
    return f"action {first}" if first == last else f"actions {first} to {last}"


def describe_reset(reset: OutboxReset) -> dict[str, Any]:
    """The reset as JSON-ready data, for the command line."""
    return {
        "found": reset.found,
        "before": None if reset.before is None else reset.before.as_dict(),
        "now": reset.now.as_dict(),
    }
