"""The sync package's public face: every exported name resolves, lazily."""

from __future__ import annotations

import subprocess
import sys

import sync


def test_every_exported_name_resolves() -> None:
    missing = [name for name in sync.__all__ if not hasattr(sync, name)]
    assert missing == []


def test_the_lazy_names_are_the_objects_of_their_modules() -> None:
    from sync import client, protocol, runner, runner_models

    assert sync.SyncClient is client.SyncClient
    assert sync.enroll is client.enroll
    assert sync.drain is runner.drain
    assert sync.SyncReport is runner_models.SyncReport
    assert sync.PullResponse is protocol.PullResponse


def test_importing_sync_leaves_the_client_and_wire_stacks_unloaded() -> None:
    heavy = {"httpx", "pydantic", "sync.client"}
    probe = f"import sys, sync; print(sorted({heavy!r} & set(sys.modules)))"
    loaded = subprocess.check_output([sys.executable, "-c", probe], text=True)
    assert loaded.strip() == "[]"
