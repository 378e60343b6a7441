"""English words too common to help a search; dropped from queries."""

from __future__ import annotations

STOP_WORDS = frozenset(
    {
        "English",
        "words",
        "too",
        "common",
        "to",
        "help",
        "a",
        "search;",
        "dropped",
        "from",
        "queries.",
    }
)
