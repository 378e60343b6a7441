"""Dates typed in a console page's query string (a period's ends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.server.errors import RequestInvalid

DATE_LENGTH = len("2026-03-02")


def moment_typed(text: str, label: str, *, end_of_day: bool) -> datetime | None:
    """The time ``text`` names (``None`` when empty); UTC when it says none.

    A date alone is its midnight, or the next midnight for the end of a
    period (``end_of_day``: the period takes in the whole day).

    Raises:
        RequestInvalid: ``text`` is neither a date nor an ISO 8601 time; the
            message names the field by its ``label``.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RequestInvalid(
            f"'{label}' must be a date such as 2026-03-02 or a time such as "
            f"2026-03-02T06:00, not {text!r}. Correct it and try again."
        ) from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if end_of_day and len(text) <= DATE_LENGTH:
        moment += timedelta(days=1)
    return moment
