"""A real terminal for the app: tmux, detached, at a fixed size.

The app runs as a technician would run it; keys go in with ``send-keys`` and
the screen comes back as text with ``capture-pane``. Each terminal gets its
own tmux server (``-L``), so nothing else running in tmux is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence

POLL_SECONDS = 0.05


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class Terminal:
    """One tmux session running one command; close it when done."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        size: tuple[int, int] = (80, 24),
    ) -> None:
        self.server = f"edge-agent-{os.getpid()}-{id(self)}"
        width, height = size
        variables = [
            arg for name, value in env.items() for arg in ("-e", f"{name}={value}")
        ]
        self._tmux(
            "new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height),
            *variables, " ".join(_quoted(part) for part in command),
        )  # fmt: skip

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.server, *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        """The visible screen as text, one line per row."""
        return self._tmux("capture-pane", "-p", "-t", "app")

    def type(self, text: str) -> None:
        """Type ``text`` literally, as keys."""
        self._tmux("send-keys", "-t", "app", "-l", text)

    def press(self, *keys: str) -> None:
        """Press named keys: ``Enter``, ``Escape``, ``F3``, ``C-q`` ..."""
        self._tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """Poll the screen until every one of ``texts`` is on it; return it."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {texts!r} on the screen:\n{screen}")
            time.sleep(POLL_SECONDS)

    def wait_closed(self, timeout: float = 15.0) -> None:
        """Wait until the command has exited (its session is gone)."""
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not exit:\n{self.screen()}")
            time.sleep(POLL_SECONDS)

    def running(self) -> bool:
        probe = subprocess.run(
            ["tmux", "-L", self.server, "has-session", "-t", "app"],
            capture_output=True,
        )
        return probe.returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True)


def _quoted(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"
