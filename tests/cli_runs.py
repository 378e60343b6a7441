"""Running the command lines in a test, as a user would, output captured."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

Command = Callable[[Sequence[str]], int]
"""A command line's ``main``: arguments in, exit code out."""


def run_ok(capsys: pytest.CaptureFixture[str], command: Command, *args: str) -> str:
    """Run ``command`` with ``args``; it must exit 0. Its standard output."""
    code = command(list(args))
    out, err = capsys.readouterr()
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out
