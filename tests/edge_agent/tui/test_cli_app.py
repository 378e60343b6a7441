"""How the assistant opens from the command line: the app on a terminal, the
plain prompt otherwise (the terminal case is driven in test_tmux.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edge_agent.__main__ import main


def test_the_app_command_needs_a_terminal(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["app"]) == 2
    assert "needs a terminal" in capsys.readouterr().err


def test_without_a_terminal_edge_agent_opens_the_plain_prompt(
    demo_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("E-42\nquit\n"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Field assistant (offline)" in out
    assert "E-42: Motor overload trip  [fault-codes.csv#14]" in out


def test_demo_with_plain_opens_the_prompt(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    assert main(["demo", "--plain"]) == 0
    assert "Type a fault code, a part number or a question" in capsys.readouterr().out
