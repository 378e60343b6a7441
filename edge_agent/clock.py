"""The app's clock: the current time in UTC.

Code whose behaviour depends on time takes a :data:`Clock` argument (tests
pass a fixed one); :func:`utc_now` is the real clock every default uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def utc_now() -> datetime:
    """The system's current time in UTC."""
    return datetime.now(UTC)
