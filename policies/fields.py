"""Typed reading of parsed TOML values, with errors that name file, rule and field."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policies.errors import PolicyFileError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""The names a policy gives tools, roles and arguments."""


@dataclass(frozen=True, slots=True)
class Where:
    """The file (and rule) being read, so errors can say where the problem is."""

    file: str
    rule: str | None = None

    def error(self, field: str | None, problem: str) -> PolicyFileError:
        """An error located at ``field`` of this file and rule."""
        return PolicyFileError(problem, file=self.file, rule=self.rule, field=field)

    def table(self, value: Any, field: str | None) -> Mapping[str, Any]:
        """``value`` as a table."""
        if not isinstance(value, dict):
            raise self.error(field, f"expected a table, got {_kind(value)}")
        return value

    def only(
        self, table: Mapping[str, Any], allowed: Iterable[str], prefix: str
    ) -> None:
        """Refuse keys of ``table`` outside ``allowed`` (a typo must not pass)."""
        known = set(allowed)
        for key in table:
            if key not in known:
                choices = ", ".join(sorted(known))
                raise self.error(
                    f"{prefix}{key}", f"unknown field; expected one of {choices}"
                )

    def text(self, value: Any, field: str) -> str:
        """``value`` as a non-empty string."""
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"expected a non-empty string, got {_kind(value)}")
        return value

    def texts(
        self, value: Any, field: str, *, allow_empty: bool = False
    ) -> tuple[str, ...]:
        """``value`` as a list of non-empty strings."""
        if not isinstance(value, list) or (not value and not allow_empty):
            wanted = (
                "a list of strings" if allow_empty else "a non-empty list of strings"
            )
            raise self.error(field, f"expected {wanted}, got {_kind(value)}")
        return tuple(self.text(item, f"{field}[{i}]") for i, item in enumerate(value))

    def names(
        self,
        value: Any,
        field: str,
        known: Iterable[str],
        what: str,
        *,
        allow_empty: bool = False,
    ) -> frozenset[str]:
        """``value`` as a list of names, each one of ``known``."""
        names = self.texts(value, field, allow_empty=allow_empty)
        valid = set(known)
        for i, name in enumerate(names):
            if name not in valid:
                raise self.error(f"{field}[{i}]", f"{name!r} is not a known {what}")
        return frozenset(names)

    def number(
        self, value: Any, field: str, *, low: float, high: float = math.inf
    ) -> float:
        """``value`` as a finite number in ``[low, high]``."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(field, f"expected a number, got {_kind(value)}")
        if not (low <= value <= high) or math.isinf(value):
            wanted = (
                f"of at least {low:g}"
                if math.isinf(high)
                else f"from {low:g} to {high:g}"
            )
            raise self.error(field, f"expected a finite number {wanted}, got {value!r}")
        return float(value)

    def whole(self, value: Any, field: str, *, low: int) -> int:
        """``value`` as a whole number of at least ``low``."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(field, f"expected a whole number, got {_kind(value)}")
        if value < low:
            raise self.error(field, f"expected at least {low}, got {value}")
        return value

    def flag(self, value: Any, field: str) -> bool:
        """``value`` as ``true`` or ``false``."""
        if not isinstance(value, bool):
            raise self.error(field, f"expected true or false, got {_kind(value)}")
        return value


Located = tuple[Where, Any]
"""A value read from a file, with where it was read."""


def _kind(value: Any) -> str:
    """How a wrong value is described in an error: its TOML type and a short repr."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    kind = kinds.get(type(value), type(value).__name__)
    shown = repr(value)
    return (
        kind if len(shown) > 40 or isinstance(value, dict | list) else f"{kind} {shown}"
    )
