"""``edge-governance release``: what it takes and what it refuses, said plainly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main
from tests.sync.server.gate_support import vouch_at


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run a command on a fresh centre as supervisor ``sam``."""
    base = ["--data-dir", str(tmp_path / "centre"), "--as", "sam"]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def published(cli, tmp_path: Path) -> None:
    """A policy and a KB published, so a release can be made."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "pump.md").write_text("# Pump\n\nE-42 means the inlet pressure is low.\n")
    assert cli("policy", "publish", str(SOURCE_DIR))[0] == 0
    assert cli("kb", "publish", str(kb))[0] == 0


def test_a_release_names_a_model_file_by_its_hash(
    cli, published, tmp_path: Path
) -> None:
    model = tmp_path / "pump-expert.gguf"
    model.write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    vouch_at(_url(tmp_path), model_sha256=digest)

    code, out, err = cli(
        "release", "create", "--name", "p1", "--model-file", str(model)
    )

    assert code == 0 and "Release 1 p1" in out and "pump-expert.gguf" in out
    assert digest[:12] in err
    shown = json.loads(cli("release", "show", "p1", "--json")[1])
    assert shown["model"] == {"name": "pump-expert.gguf", "sha256": digest}
    assert shown["created_by"] == "sam" and shown["devices"] == []


@pytest.mark.parametrize(
    "options",
    [
        ["--model-sha256", "a" * 64],
        ["--model-name", "m.gguf"],
        ["--model-file", "README.md", "--model-sha256", "a" * 64],
    ],
)
def test_model_options_that_do_not_go_together_are_a_usage_error(
    cli, published, options
) -> None:
    code, out, err = cli("release", "create", "--name", "p1", *options)

    assert code == 2 and out == ""
    assert "--model" in err


def test_a_bad_hash_or_a_taken_name_is_refused_and_nothing_is_made(
    cli, published, tmp_path: Path
) -> None:
    vouch_at(_url(tmp_path), model_sha256="a" * 64)
    named = ["--model-name", "m.gguf", "--model-sha256"]
    bad = cli("release", "create", "--name", "p1", *named, "xyz")
    assert bad[0] == 1 and "not a SHA-256: give 64 hex digits" in bad[2]
    assert cli("release", "create", "--name", "p1", *named, "A" * 64)[0] == 0

    taken = cli("release", "create", "--name", "p1", *named, "b" * 64)

    assert taken[0] == 1 and "A release named p1 exists already" in taken[2]
    listed = json.loads(cli("release", "list", "--json")[1])
    assert [(r["name"], r["model"]["sha256"]) for r in listed["releases"]] == [
        ("p1", "a" * 64)
    ]


def test_before_any_release_show_and_rollback_say_so(cli) -> None:
    shown = cli("release", "show")
    assert shown[0] == 1 and "No release has been made yet" in shown[2]
    rolled = cli("release", "rollback", "--reason", "bad KB")
    assert rolled[0] == 1 and "nothing to roll back" in rolled[2]
    assert cli("release", "list")[0] == 0


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'centre' / 'governance.db'}"
