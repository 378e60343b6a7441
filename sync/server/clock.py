"""The service's default clock.

Services, storage and commands take a ``clock`` argument (tests pass their
own); this is the one they use when none is given.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC (timezone-aware)."""
    return datetime.now(UTC)
