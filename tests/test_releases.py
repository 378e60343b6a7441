"""Releases on loopback: a release made at the depot reaches a device, the
model it does not name stays unloaded, a rollback brings old content back
under higher versions and the device converges, and a forged manifest is
refused loudly.

Both command lines run for real against the central service served by
uvicorn on 127.0.0.1, with SQLite files in temporary folders; the device
runs the default model package's file, as set up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import load_settings
from edge_agent.depot.enrolment import read_credentials
from edge_agent.depot.release import ReleaseFile
from edge_agent.depot.sync_run import run_sync
from edge_agent.home import HomeLayout
from edge_agent.knowledge import open_knowledge
from edge_agent.llm import default_model_path
from edge_agent.llm.model_file import file_sha256
from edge_agent.policy_store import open_policy_store
from policies import read_policy_sources
from policies.defaults import SOURCE_DIR
from sync.auth import reply_signature
from sync.protocol import NONCE_HEADER, REPLY_SIGNATURE_HEADER
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.cli_runs import run_ok as run
from tests.sync.server.gate_support import vouch_at
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

PUMP = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"
QUESTION = "why would the inlet pressure of the pump be low"


def test_a_release_reaches_the_device_and_a_rollback_brings_old_content_back(
    tmp_path: Path, capsys, isolated_home: Path, monkeypatch
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]

    def depot(*args: str) -> str:
        return run(capsys, governance, *base, *args)

    depot("policy", "publish", str(SOURCE_DIR))
    depot("kb", "publish", str(_kb(tmp_path / "kb1", PUMP)))
    vouch_at(url)  # a passing evaluation report for this candidate
    made = depot("release", "create", "--name", "spring")
    assert "Release 1 spring" in made and default_model_path().name in made
    token = depot("device", "enroll-token").strip()
    run(capsys, edge_agent, "demo", "--no-start")

    app = create_app(ServerSettings(data_dir=centre, database_url=url))
    with serving(app) as server:
        run(capsys, edge_agent, "enroll", "--server", server, "--token", token)
        assert _sync(capsys)["release"] == "updated"
        spring = json.loads(depot("release", "show", "spring", "--json"))
        assert [d["device_id"] for d in spring["devices"]] == [
            _device_id(isolated_home)
        ]
        assert spring["converged"] and spring["model"]["sha256"] == file_sha256(
            default_model_path()
        )
        first_kb, first_policy = _device_content(isolated_home)

        # A model file the release does not name is not loaded (asked for an
        # explanation, which is off by default).
        monkeypatch.setenv("EDGE_AGENT_EXPLAIN_ANSWERS", "true")
        other = tmp_path / "other.gguf"
        other.write_bytes(b"not the released weights")
        out = run(capsys, edge_agent, "ask", "--model", str(other), QUESTION)
        assert "E-42 means the inlet pressure is low" in out
        assert f"other.gguf (SHA-256 {file_sha256(other)}) is not loaded" in out
        assert "ask the depot to add it to a release" in out

        # New content, released; then rolled back.
        depot("policy", "publish", str(_stricter(tmp_path)))
        depot("kb", "publish", str(_kb(tmp_path / "kb2", PUMP.replace("low", "high"))))
        vouch_at(url)
        depot("release", "create", "--name", "summer")
        assert _sync(capsys) == {
            "policy": "updated",
            "kb": "updated",
            "release": "updated",
        }
        summer_kb, summer_policy = _device_content(isolated_home)
        assert summer_kb[1] != first_kb[1] and summer_policy[1] != first_policy[1]

        rolled = depot("release", "rollback", "--reason", "E-42 text wrong")
        assert "rolls back summer to spring" in rolled
        assert _sync(capsys) == {
            "policy": "updated",
            "kb": "updated",
            "release": "updated",
        }
        kb, policy = _device_content(isolated_home)
        assert kb[1] == first_kb[1] and policy[1] == first_policy[1]
        assert kb[0] > summer_kb[0] and policy[0] > summer_policy[0]
        newest = json.loads(depot("release", "show", "--json"))
        assert newest["name"] == "spring-rollback-3" and newest["converged"]
        assert newest["convergence_seconds"] is not None
        assert (newest["rollback_of"], newest["restores"]) == (2, 1)
        shown = depot("release", "show")
        assert "rollback of summer to spring: E-42 text wrong" in shown
        assert "1 of 1 device(s) run it: all converged, the last" in shown
        listed = json.loads(depot("release", "list", "--json"))
        assert [(r["name"], r["devices"]) for r in listed["releases"]] == [
            ("spring-rollback-3", 1),
            ("summer", 0),
            ("spring", 0),
        ]

        # A manifest changed on its way is refused, and the centre is told.
        vouch_at(url)
        depot("release", "create", "--name", "autumn")
        summary = run_sync(
            load_settings(home=isolated_home),
            progress=lambda _step: None,
            sleep=lambda _seconds: None,
            transport=_Forging(isolated_home),
        )
        (part,) = [p for p in summary["parts"] if p["part"] == "release"]
        assert part["status"] == "refused"
        assert "signature does not match" in part["message"]
        (device,) = json.loads(depot("device", "list", "--json"))
        assert any("Release manifest refused" in r for r in device["refused_updates"])
        held = ReleaseFile(HomeLayout(isolated_home).release_file).read(
            open_policy_store(load_settings(home=isolated_home)).trusted_keys
        )
        assert held is not None and held.name == "spring-rollback-3"


class _Forging(httpx.BaseTransport):
    """Carries the device's requests to the centre and, in pull replies, adds
    a model of its own to the release manifest; it holds the device's
    secret, so only the centre's signature on the manifest can tell."""

    def __init__(self, home: Path) -> None:
        credentials = read_credentials(home)
        assert credentials is not None
        self._secret = credentials.secret.get_secret_value()
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not request.url.path.endswith("/pull"):
            return response
        try:
            body: dict[str, Any] = json.loads(response.read())
        finally:
            response.close()
        if body.get("release"):
            body["release"]["models"].append({"name": "any.gguf", "sha256": "e" * 64})
        content = json.dumps(body).encode("utf-8")
        signature = reply_signature(
            self._secret,
            nonce=request.headers[NONCE_HEADER],
            status=response.status_code,
            body=content,
        )
        return httpx.Response(
            response.status_code,
            content=content,
            headers={
                "content-type": "application/json",
                REPLY_SIGNATURE_HEADER: signature,
            },
        )

    def close(self) -> None:
        self._inner.close()


def _sync(capsys) -> dict[str, str]:
    """Sync; each part the pull brought, with whether it was taken."""
    summary = json.loads(run(capsys, edge_agent, "sync", "--json"))
    return {part["part"]: part["status"] for part in summary["parts"]}


def _device_content(home: Path) -> tuple[tuple[int, Any], tuple[int, Any]]:
    """The device's KB (version, documents' hashes) and policy (version, files)."""
    settings = load_settings(home=home)
    with open_knowledge(settings) as knowledge:
        manifest = knowledge.manifest()
    bundle = open_policy_store(settings).status().bundle
    assert bundle is not None
    return (manifest.version, manifest.documents), (bundle.version, dict(bundle.files))


def _device_id(home: Path) -> str:
    credentials = read_credentials(home)
    assert credentials is not None
    return credentials.device_id


def _kb(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pump.md").write_text(text)
    return folder


def _stricter(tmp_path: Path) -> Path:
    folder = tmp_path / "stricter"
    folder.mkdir()
    for name, text in read_policy_sources(SOURCE_DIR).items():
        (folder / name).write_text(text.replace("search_kb = 1000", "search_kb = 800"))
    return folder
