"""What the ``edge-governance`` commands share: settings, storage, parsing."""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from pydantic import ValidationError

from sync.server.centre_keys import CentreKeys
from sync.server.clock import utc_now
from sync.server.errors import ConfigInvalid
from sync.server.settings import ServerSettings
from sync.server.storage import Storage

APP_NAME = "edge-governance"

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class CliState:
    """The group's options, read by each command."""

    database_url: str | None
    data_dir: Path | None
    actor: str

    def settings(self, **overrides: object) -> ServerSettings:
        """The process's settings: flags over ``EDGE_GOVERNANCE_*`` over defaults.

        Raises:
            ConfigInvalid: an environment variable holds an invalid value.
        """
        try:
            given: dict[str, object] = {
                "database_url": self.database_url,
                "data_dir": self.data_dir,
            }
            given |= {k: v for k, v in overrides.items() if v is not None}
            return ServerSettings().with_overrides(**given)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigInvalid(
                f"The setting {where} is not valid: {first['msg']}."
            ) from exc

    def keys(self) -> CentreKeys:
        """The centre's keys folder (made on first use)."""
        return CentreKeys(self.settings().resolved_keys_dir(), clock=utc_now)

    @contextmanager
    def storage(self) -> Iterator[Storage]:
        """The service's database, migrated, closed after the command."""
        storage = Storage.open(self.settings().resolved_database_url())
        try:
            yield storage
        finally:
            storage.close()


def state(ctx: click.Context) -> CliState:
    found = ctx.find_object(CliState)
    if found is None:
        return CliState(None, None, default_actor())
    return found


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "supervisor"


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` or combinations (``1d12h``).

    Raises:
        click.BadParameter: anything else, or zero.
    """
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact.replace(" ", ""):
        raise click.BadParameter(f"{text!r} is not a duration such as 24h or 7d")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise click.BadParameter("the duration must be more than zero")
    return timedelta(seconds=seconds)


def parse_moment(text: str, option: str) -> datetime:
    """An ISO 8601 time; a date alone means its midnight UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time such as 2026-03-02T06:00:00Z",
            param_hint=option,
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
