"""What every ``edge-agent`` command shares: the flags given and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from edge_agent.config import EdgeSettings, ensure_home, load_settings
from edge_agent.logs import configure_logging


@dataclass(slots=True)
class CliState:
    """Settings of one CLI invocation, loaded once on first use."""

    home: Path | None = None
    _settings: EdgeSettings | None = field(default=None, repr=False)

    def settings(self) -> EdgeSettings:
        """The settings, with the home directory created."""
        if self._settings is None:
            self._settings = load_settings(home=self.home)
            ensure_home(self._settings)
            configure_logging(self._settings.layout.log_file)
        return self._settings


pass_state = click.make_pass_decorator(CliState)
"""Decorator handing a command the invocation's :class:`CliState`."""
