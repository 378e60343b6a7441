"""What the device remembers between syncs, in ``<home>/sync_state.json``.

The results cursor, the job book's version, when the last sync reached the
centre, and the kill switch it reported. Written after the pull's results are
in the outbox, so a crash in between only pulls the same results again, which
the outbox takes as no change. A damaged file starts over from nothing, which
is safe for the same reason, except for the kill switch: what the centre last
switched off cannot be known, so until a sync brings it again every action
waits for a supervisor's approval (:attr:`KillSwitch.unreadable`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from edge_agent.errors import ConfigError
from edge_agent.files import create_atomic, write_json_atomic
from edge_agent.home import HomeLayout

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KillSwitch:
    """What the centre switched off: all actions, or some tools."""

    agent: bool = False
    tools: tuple[str, ...] = ()
    reason: str = ""
    unreadable: bool = False
    """The device's record of the switch was damaged: whether anything is
    switched off is not known until the next sync."""

    @property
    def active(self) -> bool:
        return self.agent or bool(self.tools)


UNREADABLE_SWITCH = KillSwitch(
    unreadable=True,
    reason=(
        "this device's record of the centre's kill switch was damaged, so what "
        "the centre switched off is not known until the next sync"
    ),
)


@dataclass(frozen=True, slots=True)
class SyncState:
    """The device's sync bookkeeping.

    Attributes:
        results_cursor: The highest result id stored in the outbox.
        jobs_version: The version of the job book in ``jobs.json``.
        last_sync_at: When a sync last reached the centre and finished.
        last_attempt_at: When a sync was last tried.
        kill_switch: What the centre last said is switched off.
        refused: Why the last sync's updates were refused (policy or KB),
            each as the device said it; empty when all were taken.
        journal_cursor: How far the centre holds this device's journal
            (turns and decisions); sending from an older cursor is safe.
    """

    results_cursor: int = 0
    jobs_version: int = 0
    last_sync_at: str | None = None
    last_attempt_at: str | None = None
    kill_switch: KillSwitch = field(default_factory=KillSwitch)
    refused: tuple[str, ...] = ()
    journal_cursor: int = 0

    def tried(self, at: str) -> SyncState:
        return replace(self, last_attempt_at=at)


def read_sync_state(home: Path) -> SyncState:
    """The stored state; a fresh one when missing or damaged (logged)."""
    path = HomeLayout(home).sync_state_file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _state_from(data)
    except FileNotFoundError:
        return SyncState()
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        logger.warning(
            "%s is damaged (%s); starting sync state afresh, with every action "
            "held for a supervisor until a sync brings the centre's kill switch",
            path,
            exc,
        )
        return SyncState(kill_switch=UNREADABLE_SWITCH)


def set_aside_if_damaged(home: Path) -> str | None:
    """Before a sync starts its state afresh from a damaged file: keep a copy
    (``sync_state.json.damaged``) and say what starting afresh costs.

    Returns the warning, or ``None`` when the file is sound or missing.
    """
    layout = HomeLayout(home)
    path = layout.sync_state_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        why, data = str(exc), b""
    else:
        try:
            _state_from(json.loads(data.decode("utf-8")))
            return None
        except (ValueError, TypeError, AttributeError) as exc:
            why = str(exc)
    kept = _keep_copy(layout.sync_state_set_aside, data)
    return (
        f"{path} was damaged ({why}), so this sync's cursors were reset: the "
        "centre's results for this device are fetched again from the first (the "
        "outbox takes each one it has as no change), the job book in full, the "
        "journal of turns and decisions is sent again from its start (the centre "
        "keeps each once) and the kill switch is as the centre says now (until "
        "then, every action waited for a supervisor's approval). Nothing "
        f"queued is lost; it only costs a longer sync.{kept}"
    )


def _keep_copy(target: Path, data: bytes) -> str:
    try:
        if data and create_atomic(target, data):
            return f" The damaged file is kept as {target.name}."
    except OSError as exc:
        logger.warning("cannot keep the damaged sync state: %s", exc)
    return ""


def write_sync_state(home: Path, state: SyncState) -> None:
    """Replace the stored state atomically.

    Raises:
        ConfigError: the home directory cannot be written.
    """
    path = HomeLayout(home).sync_state_file
    try:
        write_json_atomic(path, _state_json(state))
    except OSError as exc:
        raise ConfigError(
            f"Cannot record the sync in {path} ({exc.strerror or exc}); the next "
            "sync fetches the same results again.",
            title="Sync state not saved",
        ) from exc


def _state_from(data: Any) -> SyncState:
    switch = data.get("kill_switch") or {}
    return SyncState(
        results_cursor=int(data.get("results_cursor", 0)),
        jobs_version=int(data.get("jobs_version", 0)),
        last_sync_at=data.get("last_sync_at"),
        last_attempt_at=data.get("last_attempt_at"),
        kill_switch=KillSwitch(
            agent=bool(switch.get("agent", False)),
            tools=tuple(str(tool) for tool in switch.get("tools", ())),
            reason=str(switch.get("reason", "")),
            unreadable=bool(switch.get("unreadable", False)),
        ),
        refused=tuple(str(text) for text in data.get("refused", ())),
        journal_cursor=int(data.get("journal_cursor", 0)),
    )


def _state_json(state: SyncState) -> dict[str, Any]:
    return {
        "results_cursor": state.results_cursor,
        "jobs_version": state.jobs_version,
        "last_sync_at": state.last_sync_at,
        "last_attempt_at": state.last_attempt_at,
        "kill_switch": {
            "agent": state.kill_switch.agent,
            "tools": list(state.kill_switch.tools),
            "reason": state.kill_switch.reason,
            "unreadable": state.kill_switch.unreadable,
        },
        "refused": list(state.refused),
        "journal_cursor": state.journal_cursor,
    }
