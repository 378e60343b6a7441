"""The app in a real terminal (tmux, 80x24), driven as a technician would."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.edge_agent.tui.terminal import Terminal, tmux_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not tmux_available(), reason="needs tmux"),
]


def edge_agent_command() -> list[str]:
    script = Path(sys.executable).with_name("edge-agent")
    return [str(script)] if script.exists() else [sys.executable, "-m", "edge_agent"]


@pytest.fixture
def terminal(demo_home: Path) -> Iterator[Terminal]:
    """``edge-agent`` with no command, in an 80x24 tmux session on the demo home."""
    term = Terminal(edge_agent_command(), env={"EDGE_AGENT_HOME": str(demo_home)})
    try:
        yield term
    finally:
        term.close()


def test_a_technician_looks_up_a_code_and_quits(terminal: Terminal) -> None:
    start = terminal.wait_for("F1 Chat", "policy v1 │", "Ready.")
    assert "Type a fault code (E-42)" in start

    terminal.type("E-42")
    terminal.press("Enter")
    screen = terminal.wait_for("Answered (code lookup).", "[2] fault-codes.csv")

    assert "› E-42" in screen
    assert "E-42: Motor overload trip [1]" in screen
    assert "Exact lookup in the code tables." in screen
    assert "[1] fault-codes.csv › E-42" in screen
    lines = screen.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)

    terminal.press("F3")
    queue = terminal.wait_for("No actions yet.")
    assert "c Confirm" in queue and "n New action" in queue

    terminal.press("C-q")
    terminal.wait_closed()
