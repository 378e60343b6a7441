"""Errors raised by the edge app.

EdgeAgentError                 anything the app reports to the technician
├── ConfigError                settings or the home directory are unusable (exit 2)
├── ModelUnavailable           the local model file is missing or unreadable
├── ProposalError              a tool call that cannot be proposed (tools.proposals)
├── ConfirmationNeeded         the policy asks for the technician's confirmation
├── ConfirmationMismatch       a confirmation for another payload or policy
├── JobsUnreadable             the cached job list is damaged (jobs)
└── OcrError                   reading a photo failed (ocr.errors)
    ├── OcrUnavailable         no OCR engine installed; says how to install one
    ├── ImageUnreadable        missing, not an image, truncated, too large
    └── CorrectionInvalid      a hand-corrected code that cannot be a code
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
