"""``ServerSettings`` and the app factory's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sync.server.app import create_app
from sync.server.errors import ConfigInvalid
from sync.server.settings import ServerSettings
from tests.sync.server.testclient import TestClient


def test_defaults_bind_loopback_and_use_a_sqlite_file_in_the_data_dir(
    tmp_path: Path,
) -> None:
    settings = ServerSettings(data_dir=tmp_path)

    assert settings.host == "127.0.0.1"
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'governance.db'}"


def test_environment_variables_configure_and_flags_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_GOVERNANCE_PORT", "9001")
    monkeypatch.setenv("EDGE_GOVERNANCE_DATABASE_URL", "postgresql+psycopg://db/x")
    monkeypatch.setenv("EDGE_GOVERNANCE_WEBHOOK_SECRET", "hush")

    settings = ServerSettings().with_overrides(port=9002, host=None)

    assert settings.port == 9002 and settings.host == "127.0.0.1"
    assert settings.resolved_database_url() == "postgresql+psycopg://db/x"
    assert "hush" not in repr(settings)


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGE_GOVERNANCE_MAX_IN_FLIGHT", "0")

    with pytest.raises(ValidationError):
        ServerSettings()


def test_the_app_opens_its_own_database_and_serves_openapi(tmp_path: Path) -> None:
    app = create_app(
        ServerSettings(data_dir=tmp_path / "data", start_delivery_worker=False)
    )

    with TestClient(app) as http:
        schema = http.get("/v1/openapi.json").json()
        missing = http.get("/v1/nothing-here")

    assert (tmp_path / "data" / "governance.db").exists()
    assert {"/v1/enroll", "/v1/push", "/v1/pull"} <= set(schema["paths"])
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_a_webhook_connector_without_a_url_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    settings = ServerSettings(data_dir=tmp_path, connector="webhook")

    with pytest.raises(ConfigInvalid):
        create_app(settings)
