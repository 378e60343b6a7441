"""Reading the typed fields of one JSON object of a suite, with errors that
name the file, the case and the field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from edge_agent.errors import SuiteInvalid


class Fields:
    """The fields of one object (the suite's top level, or one case).

    Every read marks its field as known; :meth:`done` refuses the rest, so a
    misspelt field is an error, not an expectation silently left out.
    """

    def __init__(self, data: object, *, file: Path, case_id: str = "") -> None:
        self.file = file
        self.case_id = case_id
        if not isinstance(data, Mapping):
            raise self.error(f"expected a JSON object, found {_json_type(data)}.")
        self._data: Mapping[str, Any] = data
        self._read: set[str] = set()

    def error(self, message: str) -> SuiteInvalid:
        return SuiteInvalid(message, file=self.file, case_id=self.case_id)

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> Any:
        self._read.add(name)
        return self._data.get(name)

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A non-blank string, or ``None`` when absent and not required."""
        value = self.raw(name)
        if value is None:
            if required:
                raise self.error(f'"{name}" is missing.')
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f'"{name}" must be a non-empty string.')
        return value

    def required_text(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A list of non-blank strings (absent: empty)."""
        value = self.raw(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.error(f'"{name}" must be a list of non-empty strings.')
        return tuple(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f'"{name}" must be true or false.')
        return value

    def number(self, name: str, *, low: float, high: float) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise self.error(f'"{name}" must be a number from {low:g} to {high:g}.')
        return float(value)

    def whole(self, name: str, *, low: int) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.error(f'"{name}" must be a whole number, at least {low}.')
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        """A JSON object (absent: empty)."""
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f'"{name}" must be a JSON object.')
        return dict(value)

    def relative_path(self, name: str, *, required: bool = False) -> str | None:
        """A path relative to the suite's folder, staying inside it."""
        value = self.text(name, required=required)
        if value is None:
            return None
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or "\\" in value:
            raise self.error(
                f'"{name}" must be a path relative to the suite folder, inside '
                f"it, with / between folders (got {value!r})."
            )
        return value

    def done(self) -> None:
        """Refuse the fields nothing read."""
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(
                f"unknown field{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(u) for u in unknown)}."
            )


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return "a number" if isinstance(value, int | float) else type(value).__name__
