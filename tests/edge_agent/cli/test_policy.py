"""``edge-agent policy``: show, verify, install, explain."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from edge_agent.cli.policy import policy
from edge_agent.cli.state import CliState
from edge_agent.config import load_settings
from edge_agent.depot.sync_state import KillSwitch, SyncState, write_sync_state
from edge_agent.errors import ConfigError
from policies import BundleRejected, PolicyError, RejectReason
from policies.defaults import DEMO_BUNDLE
from policies.signing import build_bundle, generate_signing_key
from tests.policies.tampering import document, edit_file


def invoke(*args: str) -> Result:
    return CliRunner().invoke(policy, list(args), obj=CliState())


def test_show_reports_version_expiry_key_and_rules() -> None:
    result = invoke("show")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Mode: actions allowed" in out
    assert "Policy version 1" in out
    assert "key id      demo-2026" in out
    assert "expires     2028-12-31T00:00:00Z" in out
    assert "rules       21 (1 allow, 4 confirm, 9 approve, 7 deny)" in out
    assert "switched off delete actions" in out


def test_show_as_json() -> None:
    result = invoke("show", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["actions_allowed"] is True
    assert shown["read_only_reason"] is None
    bundle = shown["bundle"]
    assert (bundle["version"], bundle["key_id"]) == (1, "demo-2026")
    assert bundle["expires_at"] == "2028-12-31T00:00:00Z"
    assert bundle["rules"]["total"] == 21
    assert bundle["kill_switches"] == {
        "agent": False,
        "tools": [],
        "action_types": ["delete"],
    }
    assert "update_asset" not in bundle["roles"]["technician"]


def test_show_explains_read_only_mode(isolated_home: Path) -> None:
    (isolated_home / "policy").mkdir(parents=True)
    (isolated_home / "policy" / "state.json").write_text("{}", encoding="utf-8")
    result = invoke("show")
    assert result.exit_code == 0, result.output
    assert "Mode: read-only (invalid)" in result.output
    assert "damaged" in result.output
    assert json.loads(invoke("show", "--json").output)["read_only_reason"] == "invalid"


def test_show_says_when_the_centre_has_switched_actions_off(
    isolated_home: Path,
) -> None:
    switch = KillSwitch(agent=True, tools=("order_part",), reason="recall R-12")
    write_sync_state(isolated_home, SyncState(kill_switch=switch))

    result = invoke("show")
    assert result.exit_code == 0, result.output
    assert "Mode: read-only (kill_switch)" in result.output
    assert "switched off all actions (recall R-12)" in result.output
    assert "The centre switched off ALL ACTIONS, tool order_part" in result.output
    shown = json.loads(invoke("show", "--json").output)
    assert shown["actions_allowed"] is False
    assert shown["centre_kill_switch"]["tools"] == ["order_part"]


def test_verify_accepts_the_shipped_bundle() -> None:
    result = invoke("verify", str(DEMO_BUNDLE))
    assert result.exit_code == 0, result.output
    assert "OK: demo-bundle.json would be accepted" in result.output
    assert "key demo-2026" in result.output


def test_verify_rejects_a_tampered_bundle_with_the_reason(tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(edit_file(DEMO_BUNDLE.read_bytes(), 0, "\n# sneaky"))
    result = invoke("verify", str(tampered))
    assert result.exit_code == 1
    assert isinstance(result.exception, BundleRejected)
    assert result.exception.reason is RejectReason.HASH_MISMATCH
    assert result.exception.message.startswith(
        "tampered.json was rejected (hash_mismatch): The file catalogue.toml"
    )


def test_verify_names_an_unreadable_file(tmp_path: Path) -> None:
    result = invoke("verify", str(tmp_path / "missing.json"))
    assert result.exit_code == 1
    assert isinstance(result.exception, PolicyError)
    assert "Cannot read" in result.exception.message


def test_install_activates_a_verified_bundle(isolated_home: Path) -> None:
    result = invoke("install", str(DEMO_BUNDLE))
    assert result.exit_code == 0, result.output
    assert "Installed: Policy version 1, key demo-2026, 21 rules" in result.output
    active = isolated_home / "policy" / "bundle-v1.json"
    assert active.read_bytes() == DEMO_BUNDLE.read_bytes()


def test_install_refuses_a_bundle_from_an_untrusted_key(
    tmp_path: Path, isolated_home: Path
) -> None:
    invoke("show")
    active = isolated_home / "policy" / "bundle-v1.json"
    before = active.read_bytes()
    key = generate_signing_key("rogue")
    files = document(DEMO_BUNDLE.read_bytes())["files"]
    now = datetime.now(UTC)
    rogue = tmp_path / "rogue.json"
    rogue.write_bytes(
        build_bundle(
            files, key, version=99, issued_at=now, expires_at=now + timedelta(days=1)
        )
    )
    result = invoke("install", str(rogue))
    assert result.exit_code == 1
    assert isinstance(result.exception, BundleRejected)
    assert result.exception.reason is RejectReason.UNKNOWN_KEY
    assert active.read_bytes() == before


@pytest.mark.parametrize(
    ("tool", "args", "outcome"),
    [
        ("search_kb", '{"query": "E-42"}', "ALLOW"),
        (
            "order_part",
            '{"part_number": "X", "quantity": 2, "unit_price": 40}',
            "CONFIRM",
        ),
        (
            "order_part",
            '{"part_number": "X", "quantity": 3, "unit_price": 120}',
            "APPROVE",
        ),
        (
            "order_part",
            '{"part_number": "X", "quantity": 3, "unit_price": 900}',
            "DENY",
        ),
    ],
)
def test_explain_prints_the_decision_and_why(
    tool: str, args: str, outcome: str
) -> None:
    result = invoke("explain", "--tool", tool, "--args", args)
    assert result.exit_code == 0, result.output
    first, *reasons = result.output.splitlines()
    assert first.startswith(f"{outcome}: {tool} (")
    assert "(policy version 1)" in first
    assert reasons and all(line.startswith("  - ") for line in reasons)


def test_explain_as_json_shows_request_and_decision() -> None:
    result = invoke(
        "explain",
        "--tool",
        "record_repair",
        "--args",
        '{"site": "NORTH-1"}',
        "--role",
        "apprentice",
        "--model-proposed",
        "--confidence",
        "0.9",
        "--grounded",
        "--json",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    decision = shown["decision"]
    assert decision["outcome"] == "deny"
    assert decision["matched_rules"][0] == "apprentice-repairs-at-training-sites"
    assert decision["bundle_version"] == 1
    request = shown["request"]
    assert (request["site"], request["role"], request["grounded"]) == (
        "NORTH-1",
        "apprentice",
        True,
    )
    assert request["technician_id"] == "technician"


def test_explain_in_read_only_mode_denies_actions_with_the_reason(
    isolated_home: Path,
) -> None:
    (isolated_home / "policy").mkdir(parents=True)
    (isolated_home / "policy" / "state.json").write_text("{}", encoding="utf-8")
    result = invoke("explain", "--tool", "create_work_order", "--json")
    shown = json.loads(result.output)
    assert shown["decision"]["outcome"] == "deny"
    assert shown["read_only"] == "invalid"
    assert "no actions can be queued" in shown["decision"]["reasons"][0]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"quantity": "two"}', "whole number"),
    ],
)
def test_explain_rejects_bad_arguments_as_usage_errors(args: str, problem: str) -> None:
    result = invoke("explain", "--tool", "order_part", "--args", args)
    assert result.exit_code == 2
    assert problem in result.output


def test_show_prints_how_old_the_data_is_marked_past_the_limits(tmp_path) -> None:
    home = Path(os.environ["EDGE_AGENT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('data_age_amber = "1h"\ndata_age_red = "30d"\n')
    three_days_ago = datetime.now(UTC) - timedelta(days=3, minutes=5)
    write_sync_state(
        home, SyncState(jobs_version=7, last_sync_at=three_days_ago.isoformat())
    )
    result = invoke("show")
    assert result.exit_code == 0, result.output
    assert "Data (amber past 1h, red past 30d):" in result.output
    assert "  last sync 3 days ago  [amber]" in result.output
    assert "  job book v7: age unknown (never received)  [amber]" in result.output
    shown = json.loads(invoke("show", "--json").output)["data"]
    assert shown["sync"]["tone"] == "warning"
    assert shown["job_book"]["version"] == 7


def test_a_malformed_age_limit_is_a_config_error() -> None:
    home = Path(os.environ["EDGE_AGENT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('data_age_red = "a week"\n')
    with pytest.raises(ConfigError, match="data_age_red.*write a number and a unit"):
        load_settings()
