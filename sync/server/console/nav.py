"""The console's navigation bar, as data: a page adds its entry here."""

from __future__ import annotations

from dataclasses import dataclass

from sync.server.console.paths import PREFIX


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the navigation bar.

    Attributes:
        label: What the link says.
        path: The page's URL path (also the start of its sub-pages' paths).
        key: A stable name, the link's ``id`` is ``nav-<key>``.
    """

    label: str
    path: str
    key: str


NAV: tuple[NavItem, ...] = (
    NavItem("Review", f"{PREFIX}/review", "review"),
    NavItem("Fleet", f"{PREFIX}/fleet", "fleet"),
    NavItem("Decisions & turns", f"{PREFIX}/turns", "turns"),
    NavItem("Shift report", f"{PREFIX}/report", "report"),
    NavItem("Kill switches", f"{PREFIX}/kill-switches", "kill-switches"),
    NavItem("Releases", f"{PREFIX}/releases", "releases"),
    NavItem("Knowledge", f"{PREFIX}/knowledge", "knowledge"),
    NavItem("Evaluations", f"{PREFIX}/evaluations", "evaluations"),
    NavItem("Drift", f"{PREFIX}/drift", "drift"),
)
"""The pages in the bar, in order. Fleet, Decisions & turns, Shift report,
Kill switches, and Releases & drift add theirs when they exist."""
