"""What a device reports at its sync reaches the fleet's state: the centre key
set it follows, the updates it refused and the actions still waiting on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.server.__main__ import main as governance
from sync.server.fleet_state import device_state
from tests.sync.server.support import harness


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as running:
        yield running


def test_refusals_and_queue_depth_are_kept_until_the_device_says_otherwise(
    centre,
) -> None:
    device = centre.enrol()
    why = "Policy bundle refused, the active policy stays: needs app 99.0.0."

    device.pull(key_set_version=1, refused=[why], queue_depth=7)
    reported = device_state(centre.services.storage, device.device_id).record
    device.pull(key_set_version=1)  # says nothing new: the record stays
    kept = device_state(centre.services.storage, device.device_id).record
    device.pull(key_set_version=1, refused=[], queue_depth=0)
    cleared = device_state(centre.services.storage, device.device_id).record

    assert (reported.refused_updates, reported.queue_depth) == ((why,), 7)
    assert reported.key_set_version == 1
    assert (kept.refused_updates, kept.queue_depth) == ((why,), 7)
    assert (cleared.refused_updates, cleared.queue_depth) == ((), 0)


def test_device_list_shows_what_a_device_refused(
    centre, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    device = centre.enrol()
    why = "Knowledge base update refused, the KB is unchanged: bad signature."
    device.pull(refused=[why], queue_depth=3)
    base = ["--data-dir", str(tmp_path / "data"), "--database-url", sqlite_url]

    assert governance([*base, "device", "list"]) == 0
    line = capsys.readouterr().out
    assert governance([*base, "device", "show", device.device_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)

    assert "1 UPDATE(S) REFUSED" in line and "queue 3" in line
    assert shown["refused_updates"] == [why] and shown["queue_depth"] == 3


def test_a_device_cannot_flood_the_record_with_refusals(centre) -> None:
    device = centre.enrol()

    too_many = device.post("/v1/pull", json.dumps({"refused": ["x"] * 21}).encode())

    assert too_many.status_code == 422


def test_an_update_a_device_would_ignore_is_named_not_sent_silently(
    centre, tmp_path: Path
) -> None:
    centre.publish_default_policy()
    manuals = tmp_path / "manuals"
    manuals.mkdir()
    (manuals / "pump.md").write_text("# Pump\nE-42: low inlet pressure")
    centre.publisher.publish_kb(manuals, actor="test")
    device = centre.enrol()

    ahead = device.pull(policy_version=9, kb_version=7).json()
    level = device.pull(policy_version=2, kb_version=2).json()

    skipped = {s["part"]: s["message"] for s in ahead["skipped"]}
    assert ahead["policy_bundle"] is None and ahead["kb"] is None
    assert "below version 9" in skipped["policy"]
    assert (
        "below version 7" in skipped["kb"] and "publish the KB again" in skipped["kb"]
    )
    assert level["skipped"] == []
