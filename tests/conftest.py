"""Fixtures shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point EDGE_AGENT_HOME and the user's data and config folders (where a
    centre keeps its database and keys by default) at fresh folders; clear
    EDGE_AGENT_*, EDGE_GOVERNANCE_* and proxies.

    Why: no test may read or write the developer's real home directory, and a
    setting or proxy exported in the shell must not change what a test sees.
    """
    import os

    for name in list(os.environ):
        ours = name.startswith(("EDGE_AGENT_", "EDGE_GOVERNANCE_"))
        if ours or name.upper() in _PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("EDGE_AGENT_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return home


@pytest.fixture
def data_dir() -> Path:
    """The sample documents under tests/data (small, hand-written, stable)."""
    return DATA_DIR
