"""Errors of the photo reader, under the app's :class:`EdgeAgentError`.

EdgeAgentError
└── OcrError                   reading a photo failed
    ├── OcrUnavailable         the chosen engine is not installed (says how to install)
    ├── ImageUnreadable        this photo cannot be used: missing, empty, truncated,
    │                          not an image, an unsupported format or too large
    └── CorrectionInvalid      a code typed by hand is not recognisable as a code
"""

from __future__ import annotations

from pathlib import Path

from edge_agent.errors import EdgeAgentError


class OcrError(EdgeAgentError):
    """Reading a photo failed; other photos and the rest of the app still work."""


class OcrUnavailable(OcrError):
    """The OCR engine is not installed or cannot start; ``engine`` names it."""

    def __init__(self, message: str, *, engine: str) -> None:
        super().__init__(message, title="OCR engine unavailable")
        self.engine = engine


class ImageUnreadable(OcrError):
    """One photo cannot be read; ``reason`` is a short machine-readable cause.

    Reasons: ``missing``, ``not_a_file``, ``empty``, ``not_an_image``,
    ``unsupported_format``, ``truncated``, ``too_large``, ``unreadable``.
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message, title="Photo unreadable")
        self.path = path
        self.reason = reason


class CorrectionInvalid(OcrError):
    """A code typed as a correction cannot be recognised; ask for it again."""
