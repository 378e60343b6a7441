"""How ``edge-agent`` reports the packages' own errors without importing them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edge_agent.__main__ import _package_error_message
from knowledge_cache import NotFound
from policies import PolicyError
from sync import SyncError


@pytest.mark.parametrize(
    "error",
    [
        NotFound("no chunk 'x#1'; search first."),
        PolicyError("the bundle's signature does not verify."),
        SyncError("the centre refused the device token."),
    ],
)
def test_each_package_error_is_reported_by_its_message(error: Exception) -> None:
    assert _package_error_message(error) == error.message  # type: ignore[attr-defined]


def test_an_unexpected_error_is_not_mistaken_for_a_package_error() -> None:
    assert _package_error_message(ValueError("boom")) is None


def test_starting_the_cli_imports_no_package_it_does_not_need() -> None:
    script = (
        "import sys, edge_agent.__main__\n"
        "print(sorted(m for m in ('sync', 'policies', 'knowledge_cache', 'pypdf')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
