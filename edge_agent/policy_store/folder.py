"""The policy folder's files: state, bundles, lock. No verification, no clock."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from edge_agent.errors import PolicyStateDamaged
from edge_agent.files import write_atomic
from policies import format_time, parse_time

if sys.platform != "win32":
    import fcntl

STATE_FILE = "state.json"
LOCK_FILE = ".lock"
STATE_FORMAT = 1
HIGH_WATER_STEP = timedelta(minutes=1)
"""The high-water time is written to disk when it moved on by at least this."""


@dataclass(frozen=True, slots=True)
class StoreState:
    """What ``state.json`` records.

    Attributes:
        active: File name of the active bundle, if any.
        sha256: SHA-256 (hex) of the active bundle's bytes.
        version: Highest bundle version ever accepted (0: none).
        high_water: Latest time this device has seen.
    """

    active: str | None = None
    sha256: str | None = None
    version: int = 0
    high_water: datetime | None = None

    def encode(self) -> bytes:
        """The file's content."""
        high_water = self.high_water
        document = {
            "format": STATE_FORMAT,
            "active": self.active,
            "sha256": self.sha256,
            "version": self.version,
            "high_water": None if high_water is None else format_time(high_water),
        }
        return json.dumps(document, indent=2, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def decode(cls, data: bytes) -> StoreState:
        """Parse the file's content.

        Raises:
            ValueError: the content is not a valid state file.
        """
        document: Any = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise ValueError("not a policy state file")
        active, sha256, version = (
            document.get(k) for k in ("active", "sha256", "version")
        )
        high_water = document.get("high_water")
        moment = None if high_water is None else parse_time(high_water)
        if (
            type(version) is not int
            or version < 0
            or (high_water is not None and moment is None)
            or (active is None) != (sha256 is None)
            or (active is not None and not is_bundle_name(active))
            or (sha256 is not None and not isinstance(sha256, str))
        ):
            raise ValueError("unexpected values")
        return cls(active, sha256, version, moment)


class PolicyFolder:
    """Reads and writes the files of one policy folder, atomically.

    Args:
        path: The folder; created when first written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read_state(self) -> StoreState:
        """The recorded state; an empty one when none was ever written.

        Raises:
            PolicyStateDamaged: the file cannot be read or parsed.
        """
        try:
            data = (self.path / STATE_FILE).read_bytes()
        except FileNotFoundError:
            return StoreState()
        except OSError as exc:
            raise PolicyStateDamaged(
                f"Cannot read the policy state ({exc.strerror})."
            ) from exc
        try:
            return StoreState.decode(data)
        except ValueError as exc:
            raise PolicyStateDamaged(
                f"The policy state file {self.path / STATE_FILE} is damaged, so the "
                "device cannot tell which bundle versions and times it has seen. "
                "Remove the policy folder to start again from the shipped bundle."
            ) from exc

    def write_state(self, state: StoreState) -> None:
        """Replace the state file (the commit point of every change).

        Raises:
            OSError: it cannot be written; the old state stays.
        """
        write_atomic(self.path / STATE_FILE, state.encode())

    def read_bundle(self, name: str) -> bytes:
        """The bytes of the bundle file ``name``.

        Raises:
            OSError: it cannot be read (``FileNotFoundError``: it is gone).
        """
        return (self.path / name).read_bytes()

    def active_bytes(self, state: StoreState) -> bytes | None:
        """The active bundle's bytes, or ``None`` if there is none to read."""
        if state.active is None:
            return None
        try:
            return self.read_bundle(state.active)
        except OSError:
            return None

    def write_bundle(self, version: int, data: bytes) -> str:
        """Write a bundle's file (not yet active); return its name.

        Raises:
            OSError: it cannot be written.
        """
        name = f"bundle-v{version}.json"
        write_atomic(self.path / name, data)
        return name

    def bundle_names(self) -> list[str]:
        """The bundle files in the folder, by name (none if there is no folder)."""
        try:
            return sorted(p.name for p in self.path.iterdir() if is_bundle_name(p.name))
        except OSError:
            return []

    def remove_stale(self, keep: set[str | None]) -> None:
        """Drop bundle files not in ``keep`` and left-over temporary files."""
        for path in self.path.iterdir():
            stale_bundle = is_bundle_name(path.name) and path.name not in keep
            if stale_bundle or path.name.endswith(".tmp"):
                with suppress(OSError):
                    path.unlink()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the folder's lock, so two processes never write at once.

        Raises:
            OSError: the folder cannot be created.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / LOCK_FILE, "a+b") as handle:
            if sys.platform != "win32":
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield


def is_bundle_name(name: object) -> bool:
    """Whether ``name`` is a bundle file name, ``bundle-v<N>.json``."""
    if not isinstance(name, str):
        return False
    number = name.removeprefix("bundle-v").removesuffix(".json")
    return name == f"bundle-v{number}.json" and number.isdigit() and number.isascii()
