"""Times and spans as the centre's pages and commands write them."""

from __future__ import annotations

from datetime import datetime, timedelta


def moment(value: datetime | None) -> str:
    """An ISO 8601 time to the second, or ``never``."""
    return value.isoformat(timespec="seconds") if value is not None else "never"


def duration(span: timedelta) -> str:
    """``45 s``, ``3 min 12 s``, ``2 h 5 min``, ``1 d 3 h``."""
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"
