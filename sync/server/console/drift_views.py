"""How the drift page reads: the period and release asked in the address,
the links that keep them, and the tables' columns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from sync.server.console.paths import PREFIX
from sync.server.drift import DriftThresholds, report_window
from sync.server.drift.page import COLUMNS
from sync.server.drift.report import shown
from sync.server.drift.turn_facts import ROUTES
from sync.server.errors import RequestInvalid

DEFAULT_WEEKS = 12
MAX_WEEKS = 520
"""As ``edge-governance drift --weeks`` takes."""
MAX_RELEASE = 80
GROUPS_PER_PAGE = 50
"""Groups of questions that found nothing, per page."""
TURNS_SHOWN = 5
"""Turns linked per group of questions (the rest are counted)."""
DEVICES_SHOWN = 5
"""Devices named per group of questions (the rest are counted)."""

ROUTE_HEADINGS = dict(
    zip(ROUTES, ("code lookup", "quotes", "explanation", "nothing found"), strict=True)
)
"""Each route of a question, as the routes table heads it."""
FIGURE_COLUMNS = COLUMNS
"""The figures of the week and release tables, with their headings (as the
page ``edge-governance drift --html`` writes)."""


@dataclass(frozen=True, slots=True)
class DriftQuery:
    """What the drift page is asked for, from its address.

    Attributes:
        weeks: How many weeks (the last ones, or from ``since``).
        since: The period's start as given (empty: the last ``weeks``).
        release: Only the turns of this release (empty: every release).
    """

    weeks: int = DEFAULT_WEEKS
    since: str = ""
    release: str = ""

    @classmethod
    def parse(cls, weeks: str = "", since: str = "", release: str = "") -> DriftQuery:
        """The query from the address's fields.

        Raises:
            RequestInvalid: ``weeks`` is not a number from 1 to 520, or
                ``since`` is not a date.
        """
        wanted = cls(_weeks(weeks.strip()), since.strip(), release.strip())
        if len(wanted.release) > MAX_RELEASE:
            raise RequestInvalid(
                f"'release' is a release's name of at most {MAX_RELEASE} "
                "characters. Correct the address and load it again."
            )
        wanted.start()
        return wanted

    def start(self) -> datetime | None:
        """``since`` as a time (a date alone: its midnight UTC), or ``None``.

        Raises:
            RequestInvalid: ``since`` is not an ISO 8601 date or time.
        """
        if not self.since:
            return None
        try:
            moment = datetime.fromisoformat(self.since)
        except ValueError as exc:
            raise RequestInvalid(
                f"'since' must be a date such as 2026-03-02, not {self.since[:40]!r}. "
                "Correct it and show the report again."
            ) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The period the report covers, as ``edge-governance drift`` reads
        the same options."""
        return report_window(since=self.start(), weeks=self.weeks, now=now)

    def query(self) -> str:
        """The address's query string for this report (defaults left out)."""
        fields = {
            "since": self.since,
            "weeks": str(self.weeks) if self.weeks != DEFAULT_WEEKS else "",
            "release": self.release,
        }
        return urlencode({k: v for k, v in fields.items() if v})

    def of_release(self, release: str) -> DriftQuery:
        """The same period, for one release."""
        return replace(self, release=release)

    @property
    def active(self) -> bool:
        return self != DriftQuery()


def threshold_rows(thresholds: DriftThresholds) -> list[tuple[str, str]]:
    """Each threshold's key and its value as the figure it bounds reads."""
    return [
        (key, shown(key[4:], value) if key != "min_turns" else str(value))
        for key, value in thresholds.as_dict().items()
    ]


def drift_link(wanted: DriftQuery, path: str = "") -> str:
    """The URL of the drift page (or its ``path`` under it) for ``wanted``."""
    query = wanted.query()
    return f"{PREFIX}/drift{path}" + (f"?{query}" if query else "")


def _weeks(text: str) -> int:
    if not text:
        return DEFAULT_WEEKS
    digits = text.isascii() and text.isdigit() and len(text) <= 3
    if not digits or not 0 < int(text) <= MAX_WEEKS:
        raise RequestInvalid(
            f"'weeks' must be a number of weeks from 1 to {MAX_WEEKS}, not "
            f"{text[:40]!r}. Correct it and show the report again."
        )
    return int(text)
