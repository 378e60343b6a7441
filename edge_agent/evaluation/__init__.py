"""Evaluating a candidate release against a versioned suite, with the
device's own code, and reporting the figures."""

from __future__ import annotations

__all__: list[str] = []
