"""What follows a number in a question that makes it a quantity, not a code.

"alarm 3 times", "12 volts", "5216 hours", "37 degrees": a count or a unit
after a number says it counts or measures something. Every reader of codes
in questions asks :func:`is_quantity` before it reads a bare number as a
code, so they all agree on what a quantity is.
"""

from __future__ import annotations

import re

YEAR = re.compile(r"(?:19|20)\d\d")
"""A number that is most likely a year."""

_COUNTED_OR_MEASURED = re.compile(
    r"\s*(?:x\b|times\b|%|percent\b|minutes?\b|mins?\b|hours?\b|hrs?\b|h\b|"
    r"days?\b|weeks?\b|months?\b|years?\b|seconds?\b|secs?\b|s\b|ms\b|ago\b|"
    r"rpm\b|v\b|volts?\b|kv\b|mv\b|a\b(?!\s+[a-z])|amps?\b|ma\b|w\b|watts?\b|"
    r"kw\b|kwh\b|hz\b|khz\b|bar\b|psi\b|kpa\b|pa\b|mm\b|cm\b|m\b|km\b|kg\b|"
    r"g\b|l\b|litres?\b|liters?\b|°|deg\b|degrees?\b|c\b|f\b|k\b|ohms?\b|Ω)",
    re.IGNORECASE,
)
"""A count word or a unit. ``a`` is amperes only where no word follows it:
"12 a" measures, "fault 23 a few times ago" does not."""


def is_quantity(text: str, end: int) -> bool:
    """Whether a count or a unit follows the number that ends at ``end``."""
    return _COUNTED_OR_MEASURED.match(text, end) is not None
