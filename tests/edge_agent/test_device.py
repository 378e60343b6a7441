"""The device id: created once, the same for every thread and process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edge_agent.device import device_id
from edge_agent.errors import ConfigError
from edge_agent.files import create_atomic
from edge_agent.home import HomeLayout


def test_the_id_is_created_once_and_kept(tmp_path: Path) -> None:
    first = device_id(tmp_path)
    assert first.startswith("dev-")
    assert device_id(tmp_path) == first


def test_threads_creating_it_at_once_get_the_same_id(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    ids: list[str] = []

    def create() -> None:
        start.wait()
        ids.append(device_id(tmp_path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [
        HomeLayout(tmp_path).device_file.name
    ]


def test_create_atomic_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    assert create_atomic(path, b"one")
    assert not create_atomic(path, b"two")
    assert path.read_bytes() == b"one"


def test_a_damaged_file_is_reported_not_replaced(tmp_path: Path) -> None:
    HomeLayout(tmp_path).device_file.write_text("{not json", "utf-8")
    with pytest.raises(ConfigError, match="damaged"):
        device_id(tmp_path)
    assert HomeLayout(tmp_path).device_file.read_text("utf-8") == "{not json"
