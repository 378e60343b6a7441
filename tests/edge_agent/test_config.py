from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge_agent.config import ensure_home, load_settings
from edge_agent.errors import ConfigError


def test_home_comes_from_the_environment(isolated_home: Path) -> None:
    settings = load_settings()
    assert settings.home == isolated_home
    assert settings.layout.knowledge_db == isolated_home / "knowledge.db"


def test_flags_beat_environment_beat_config_file(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text(
        'technician_id = "from-file"\nocr_engine = "tesseract"\n', encoding="utf-8"
    )
    assert load_settings().technician_id == "from-file"
    assert load_settings().ocr_engine == "tesseract"
    monkeypatch.setenv("EDGE_AGENT_TECHNICIAN_ID", "from-env")
    assert load_settings().technician_id == "from-env"
    assert load_settings(technician_id="from-flag").technician_id == "from-flag"


def test_config_file_is_read_from_the_home_given_by_flag(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.toml").write_text('technician_id = "t-7"\n', encoding="utf-8")
    assert load_settings(home=other).technician_id == "t-7"


def test_malformed_config_file_names_the_file(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("technician_id = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="config.toml is not valid TOML"):
        load_settings()


def test_invalid_value_names_the_setting(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text(
        'ocr_engine = "magic"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="ocr_engine"):
        load_settings()


def test_unwritable_home_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="Cannot create the home directory"):
        ensure_home(load_settings(home=blocker / "home"))


def test_importing_the_app_writes_nothing(isolated_home: Path) -> None:
    code = "import edge_agent.__main__, edge_agent.config, knowledge_cache"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not isolated_home.exists()
