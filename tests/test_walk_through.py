"""The README's depot walk-through, run as written: a real service on
loopback, two devices with their own homes, every line's outcome checked.

Lines read ``who$ command``: ``depot$`` runs ``edge-governance`` against the
centre's data folder, from the repository's folder; ``ann$`` and ``ben$`` run
``edge-agent`` in their own home and working folder as that technician.
``VAR=$(...)`` keeps a command's output for later ``"$VAR"``;
``edge-governance serve`` is the service this test runs itself.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge_agent.__main__ import main as edge_agent
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.sync.server.live import serving

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[1]
README_ADDRESS = "http://127.0.0.1:8470"
SYNC = "edge-agent sync"
_LINE = re.compile(r"(depot|ann|ben)\$ (.*)")
_CAPTURE = re.compile(r"([A-Z_]+)=\$\((.*)\)")


@dataclass(frozen=True)
class Step:
    who: str
    command: str
    keep_as: str | None


def walk_through() -> list[Step]:
    """The README's walk-through block, line by line."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- walk-through:start -->")[1]
    block = block.split("<!-- walk-through:end -->")[0]
    steps = []
    for line in block.splitlines():
        found = _LINE.match(line)
        if not found:
            continue
        who, command = found.groups()
        command = command.split("   #")[0].strip()
        captured = _CAPTURE.fullmatch(command)
        keep_as = captured.group(1) if captured else None
        steps.append(Step(who, captured.group(2) if captured else command, keep_as))
    return steps


def test_the_readme_walk_through_works_as_written(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = tmp_path / "centre"
    monkeypatch.setenv("EDGE_GOVERNANCE_DATA_DIR", str(centre))
    monkeypatch.chdir(REPO)
    steps = walk_through()
    assert steps[0].command.startswith("edge-governance serve")
    kept: dict[str, str] = {}
    outputs: list[tuple[Step, int, str]] = []
    app = create_app(ServerSettings(data_dir=centre))

    with serving(app) as server:
        for step in steps[1:]:
            line = step.command.replace(README_ADDRESS, server)
            words = [_expand(word, kept) for word in shlex.split(line)]
            code, out, err = _run(step.who, words, tmp_path, monkeypatch, capsys)
            outputs.append((step, code, out + err))
            assert code == 0, f"{step.who}$ {line}: exit {code}\n{out}{err}"
            if step.keep_as:  # $(...) keeps standard output only
                kept[step.keep_as] = out.strip()

    def said(who: str, command: str, nth: int = 0) -> str:
        """What the ``nth`` run of ``command`` in ``who``'s terminal printed."""
        found = [o for s, _, o in outputs if s.who == who and s.command == command]
        return found[nth]

    # Enrolled, the devices run the centre's policy and KB.
    assert "Enrolled as device" in said("ann", _enrol("ann"))
    # Offline work reached the centre; the held order was approved in bulk.
    assert "Approved 1 of 1" in said("depot", _approve())
    report = said("depot", "edge-governance report")
    assert "denied on the device: 1" in report and "order_part" in report
    turns = said("depot", "edge-governance turns list")
    assert turns.count(" ask ") == 1 and turns.count(" propose ") >= 3
    # The kill switch stops actions, and its reset brings them back.
    assert "Switched off by the centre: all actions" in said("ann", SYNC, 2)
    assert "read-only" in said("ann", "edge-agent policy show").lower()
    assert "Switched off" not in said("ann", SYNC, 3)
    # After the rotation both devices run the policy signed by the new key.
    for who in ("ann", "ben"):
        shown = _json(who, ["policy", "show", "--json"], tmp_path, monkeypatch, capsys)
        assert shown["actions_allowed"] and shown["trust"]["key_set_version"] == 2
        assert shown["bundle"]["key_id"] == shown["trust"]["signing_key"]
    states = _json("ann", ["actions", "list", "--json"], tmp_path, monkeypatch, capsys)
    assert sorted(a["state"] for a in states) == ["applied", "denied"]
    bens = _json("ben", ["actions", "list", "--json"], tmp_path, monkeypatch, capsys)
    assert [a["state"] for a in bens] == ["applied"]  # held, approved, applied
    fleet = said("depot", "edge-governance device list")
    assert fleet.count(" active ") == 2 and "REFUSED" not in fleet
    # The rolled-back KB reached both devices: the release says when.
    release = said("depot", "edge-governance release show")
    assert "rollback of spring-manuals to spring" in release
    assert "2 of 2 device(s) run it: all converged" in release
    history = said("depot", "edge-governance release list")
    assert "spring-rollback-3" in history and "running no release" not in history
    # Spring passed the gate with Ann's report; spring-manuals was overridden.
    assert "gate: passed with evaluation report 1" in said(
        "depot", "edge-governance release create --name spring"
    )
    assert "gate overridden: manuals update, not evaluated" in history
    reports = said("depot", "edge-governance release reports")
    assert "from " in reports and "(ann)" in reports
    assert "PASSES the gate  release spring" in reports


def _run(
    who: str,
    words: Sequence[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> tuple[int, str, str]:
    program, *args = words
    command: Callable[[list[str]], int]
    if who == "depot":
        assert program == "edge-governance"
        command = governance
    else:
        assert program == "edge-agent"
        monkeypatch.setenv("EDGE_AGENT_HOME", str(tmp_path / f"home-{who}"))
        monkeypatch.setenv("EDGE_AGENT_TECHNICIAN_ID", who)
        folder = tmp_path / f"work-{who}"  # the laptop's own folder, not the repo
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        command = edge_agent
    code = command(list(args))
    out, err = capsys.readouterr()
    monkeypatch.chdir(REPO)
    return code, out, err


def _json(who, args, tmp_path, monkeypatch, capsys):
    code, out, err = _run(who, ["edge-agent", *args], tmp_path, monkeypatch, capsys)
    assert code == 0, out + err
    return json.loads(out)


def _expand(word: str, kept: dict[str, str]) -> str:
    for name, value in kept.items():
        word = word.replace(f"${name}", value)
    return word


def _enrol(who: str) -> str:
    token = f"{who.upper()}_TOKEN"
    return f'edge-agent enroll --server {README_ADDRESS} --token "${token}"'


def _approve() -> str:
    return (
        "edge-governance review approve --all --tool order_part "
        '--reason "parts for J-1001" --yes'
    )
