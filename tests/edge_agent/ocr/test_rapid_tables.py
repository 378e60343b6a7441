"""RapidOCR's model table: parsed once per process, kept parsed in the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from edge_agent.ocr.rapid_tables import cached_table_path, model_table_read_once

TABLE = "routes:\n  PP-OCRv6:\n    det: [small]\n    rec: [small, server]\n"


class CountedParse:
    """OmegaConf.load, counting the files it really parses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed: list[Path] = []
        original = OmegaConf.load

        def parse(file_: Any) -> Any:
            self.parsed.append(Path(file_))
            return original(file_)

        monkeypatch.setattr(OmegaConf, "load", parse)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "default_models.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def test_a_table_loaded_twice_in_one_import_is_parsed_once(
    table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = CountedParse(monkeypatch)

    with model_table_read_once():
        first, second = OmegaConf.load(table), OmegaConf.load(str(table))

    assert first is second
    assert first.routes["PP-OCRv6"].rec == ["small", "server"]
    assert len(counted.parsed) == 1


def test_outside_the_import_loading_is_untouched(
    table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = CountedParse(monkeypatch)
    with model_table_read_once():
        OmegaConf.load(table)

    OmegaConf.load(table)

    assert len(counted.parsed) == 2


def test_the_next_process_reads_the_parsed_copy_from_the_cache(
    table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    counted = CountedParse(monkeypatch)
    with model_table_read_once(cache):
        written = OmegaConf.load(table)
    with model_table_read_once(cache):
        read = OmegaConf.load(table)

    assert len(counted.parsed) == 1
    assert read == written
    assert cached_table_path(table, cache).is_file()


def test_a_changed_table_is_parsed_anew_not_read_from_the_old_copy(
    table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    counted = CountedParse(monkeypatch)
    with model_table_read_once(cache):
        OmegaConf.load(table)
    table.write_text(TABLE.replace("server", "mobile"), encoding="utf-8")

    with model_table_read_once(cache):
        changed = OmegaConf.load(table)

    assert changed.routes["PP-OCRv6"].rec == ["small", "mobile"]
    assert len(counted.parsed) == 2
    assert len(list(cache.glob("*.pickle"))) == 2


@pytest.mark.parametrize(
    "damage", [b"", b"not a pickle at all", b"\x80\x05K", b"\x80\x05\x95\xff"]
)
def test_a_damaged_copy_is_parsed_anew_and_written_again(
    table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cached_table_path(table, cache).write_bytes(damage)
    counted = CountedParse(monkeypatch)

    with model_table_read_once(cache):
        loaded = OmegaConf.load(table)
    with model_table_read_once(cache):
        again = OmegaConf.load(table)

    assert loaded.routes["PP-OCRv6"].det == ["small"]
    assert again == loaded
    assert len(counted.parsed) == 1
    assert not list(cache.glob("*.part"))


def test_a_cache_that_cannot_be_written_costs_only_the_time(
    table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    counted = CountedParse(monkeypatch)

    with model_table_read_once(blocked):
        loaded = OmegaConf.load(table)

    assert loaded.routes["PP-OCRv6"].det == ["small"]
    assert len(counted.parsed) == 1
    assert blocked.read_text(encoding="utf-8").startswith("a file")


@pytest.mark.slow
def test_the_real_engine_starts_from_the_cached_table(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = (
        "import json\nfrom pathlib import Path\nfrom omegaconf import OmegaConf\n"
        "parsed = []\noriginal = OmegaConf.load\n"
        "def parse(file_):\n"
        "    parsed.append(Path(file_).name)\n"
        "    return original(file_)\n"
        "OmegaConf.load = parse\n"
        "from edge_agent.ocr.rapid import RapidOcrEngine\n"
        f"engine = RapidOcrEngine(cache_dir=Path({str(cache)!r}))\n"
        "print(json.dumps(parsed))\n"
    )

    def start() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        parsed: list[str] = json.loads(done.stdout.splitlines()[-1])
        return parsed

    first, second = start(), start()

    assert first.count("default_models.yaml") == 1
    assert "default_models.yaml" not in second
    assert len(list(cache.glob("rapidocr-default_models-*.pickle"))) == 1
