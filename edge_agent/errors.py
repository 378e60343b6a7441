"""Errors raised by the edge app.

EdgeAgentError                 anything the app reports to the technician
├── ConfigError                settings or the home directory are unusable (exit 2)
└── ModelUnavailable           the local model file is missing or unreadable
"""

from __future__ import annotations


class EdgeAgentError(Exception):
    """Base class: a plain-language ``message`` and an optional ``title``."""

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class ConfigError(EdgeAgentError):
    """The configuration (file, environment or flags) cannot be used."""


class ModelUnavailable(EdgeAgentError):
    """The local model cannot be found or read; lookups still work without it."""
