"""``edge-governance`` supervisor commands against the service's database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policies import Decision, Outcome, verify_bundle
from policies.defaults import SOURCE_DIR
from sync import ActionState
from sync.enrolment_binding import enrol_request
from sync.protocol import KbDelta
from sync.server.__main__ import main
from sync.server.centre_keys import CentreKeys
from sync.server.clock import utc_now
from sync.server.review import PAGE_SIZE
from tests.sync.server.journal_support import ask, deny, send
from tests.sync.server.queue_support import hold
from tests.sync.server.support import (
    BIG_ORDER,
    MESSAGE,
    REPAIR,
    Harness,
    default_policy,
    harness,
    recorded_with_origins,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The centre's data folder: the harness's, so both share the centre's keys."""
    return tmp_path / "data"


@pytest.fixture
def cli(sqlite_url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]):
    """Run a command on the test database as supervisor ``sam``."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(
            [
                "--database-url",
                sqlite_url,
                "--data-dir",
                str(data_dir),
                "--as",
                "sam",
                *args,
            ]
        )
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str, cli):
    code, _, err = cli("policy", "publish", str(SOURCE_DIR))
    assert code == 0, err
    with harness(tmp_path, sqlite_url) as h:
        h.clock.now = datetime.now(UTC)  # the CLI publishes with the real clock
        yield h


def test_an_enrolment_token_from_the_cli_enrols_one_device(
    cli, centre: Harness
) -> None:
    code, token, err = cli(
        "device", "enroll-token", "--technician", "ann", "--expires-in", "2h"
    )
    assert code == 0 and "Single-use token for technician ann" in err
    body = enrol_request(
        token.strip(),
        device_name="van 3",
        technician_id="ann",
        device_id="dev-van-3",
    ).model_dump()

    first = centre.http.post("/v1/enroll", json=body)
    second = centre.http.post("/v1/enroll", json={**body, "device_id": "dev-van-4"})

    assert (first.status_code, second.status_code) == (200, 403)
    code, out, _ = cli("device", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["device_id"] == "dev-van-3" and listed["technician_id"] == "ann"


def test_revoke_from_the_cli_refuses_the_next_request(cli, centre: Harness) -> None:
    device = centre.enrol()
    assert device.pull().status_code == 200

    code, out, _ = cli("device", "revoke", device.device_id, "--reason", "lost")

    assert code == 0 and "Revoked" in out
    assert device.pull().status_code == 401
    assert cli("device", "revoke", "dev-nobody")[0] == 1


def test_review_approve_and_reject_reach_the_device(cli, centre: Harness) -> None:
    device = centre.enrol()
    first = device.record("order_part", BIG_ORDER)
    second = device.record("order_part", BIG_ORDER)
    device.push()

    code, out, _ = cli("review", "list", "--json")
    assert code == 0 and [i["key"] for i in json.loads(out)] == [first, second]
    assert cli("review", "approve", first, "--reason", "urgent")[0] == 0
    assert cli("review", "reject", second, "--reason", "order from stock")[0] == 0
    code, _, err = cli("review", "approve", first)

    assert code == 1 and "not quarantined" in err
    results = device.pull(results_after=2).json()["results"]
    assert [(r["key"], r["status"]) for r in results] == [
        (first, "applied"),
        (second, "rejected"),
    ]
    assert results[1]["reason"] == "Rejected by sam: order from stock"


def test_review_shows_where_the_text_came_from_and_a_confirmation_at_a_prompt(
    cli, centre: Harness
) -> None:
    device = centre.enrol()
    fields = recorded_with_origins("contact_customer", MESSAGE, {"message": "document"})
    action = device.outbox.enqueue(
        tool="contact_customer",
        action_type="contact",
        payload=fields["payload"],
        decision=fields["decision"],
        confirmation=fields["confirmation"],
        evidence=fields["evidence"],
        trace={"trace_id": "t-1", "name": "propose", "spans": []},
        state=ActionState(fields["state"]),
    )
    device.push()

    code, out, _ = cli("review", "show", action.key[:8])

    assert code == 0 and f"Action {action.key} (quarantined)" in out
    assert 'argument_origins: {"message": "document"}' in out
    assert "confirmed by ann at 2026-03-02T08:00:00Z, at a prompt" in out
    assert "The message to the customer was not typed by you" in out


def test_review_names_actions_by_a_short_id_and_shows_both_decisions(
    cli, centre: Harness
) -> None:
    device = centre.enrol()
    key = device.record("order_part", BIG_ORDER)
    device.push()

    listed = cli("review", "list")[1]
    assert listed.startswith(key[:8]) and key not in listed
    code, out, _ = cli("review", "show", key[:8])
    assert code == 0 and f"Action {key} (quarantined)" in out
    assert "device decided" in out and "centre decided" in out
    assert "approve (policy v1)" in out and "evidence:" in out
    shown = json.loads(cli("review", "show", key[:8], "--json")[1])
    assert shown["key"] == key and shown["device_decision"]["outcome"] == "approve"

    code, _, err = cli("review", "approve", key[:3])
    assert code != 0 and "at least 6 characters" in err
    assert cli("review", "approve", key[:8], "--reason", "urgent")[0] == 0
    assert device.pull(results_after=1).json()["results"][0]["status"] == "applied"


def test_bulk_review_by_filter_counts_first_and_records_one_reason(
    cli, centre: Harness
) -> None:
    ann = centre.enrol()
    bob = centre.enrol("dev-test-0002", technician="bob")
    held = [ann.record("order_part", BIG_ORDER) for _ in range(3)]
    other = bob.record("order_part", BIG_ORDER)
    ann.push()
    bob.push()

    code, _, err = cli(
        "review", "reject", "--all", "--technician", "ann", "--reason", "x"
    )
    assert code == 2 and "3 quarantined action(s) match. Add --yes" in err
    assert len(json.loads(cli("review", "list", "--json")[1])) == 4  # nothing done

    code, out, _ = cli(
        "review",
        "reject",
        "--all",
        "--technician",
        "ann",
        "--reason",
        "order from stock",
        "--yes",
    )
    assert code == 0 and "Rejected 3 of 3 action(s)" in out
    left = json.loads(cli("review", "list", "--json")[1])
    assert [i["key"] for i in left] == [other]
    results = ann.pull(results_after=3).json()["results"]
    assert {r["key"] for r in results} == set(held)
    assert {r["reason"] for r in results} == {"Rejected by sam: order from stock"}
    code, _, err = cli("review", "approve", held[0][:8], other[:8])
    assert code != 0 and "not quarantined" in err


def test_policy_versions_only_go_up(cli, centre: Harness, tmp_path: Path) -> None:
    assert cli("policy", "publish", str(SOURCE_DIR))[0] == 0
    signed = tmp_path / "v1.json"
    code, _, err = cli(
        "policy",
        "sign",
        str(SOURCE_DIR),
        "--version",
        "1",
        "--expires",
        "2030-01-01T00:00:00Z",
        "--out",
        str(signed),
    )
    assert code == 0, err  # signed with the centre's key: only the version is old

    code, _, err = cli("policy", "publish", str(signed))

    assert code == 1 and "only go up" in err
    bundle = centre.enrol().pull().json()["policy_bundle"]
    trusted = centre.services.keys.current().key_set.trusted
    verified = verify_bundle(
        bundle.encode(), trusted, active_version=0, now=centre.clock.now
    )
    assert verified.version == 3  # the fixture's 2, then this one


def test_published_versions_start_above_what_devices_run(cli, centre: Harness) -> None:
    device = centre.enrol()
    pulled = device.pull().json()["policy_bundle"]
    first = json.loads(pulled)["manifest"]["version"]
    assert first == 2  # above the bundle the app ships (version 1)
    device.pull(policy_version=7)  # a device reports running version 7
    assert cli("policy", "publish", str(SOURCE_DIR))[0] == 0
    bundle = json.loads(centre.enrol("dev-test-0002").pull().json()["policy_bundle"])
    assert bundle["manifest"]["version"] == 8


def test_a_fresh_centre_publishes_with_the_key_made_at_first_start(
    cli, data_dir: Path, sqlite_url: str, tmp_path: Path
) -> None:
    code, out, err = cli("policy", "publish", str(SOURCE_DIR))

    assert code == 0, err
    assert "Published policy version 2" in out
    keys = CentreKeys(data_dir / "keys", clock=utc_now)
    (private,) = (data_dir / "keys").glob("*.signing-key")
    assert private.name == f"{keys.current().key_set.active}.signing-key"
    with harness(tmp_path, sqlite_url) as h:
        bundle = h.enrol().pull().json()["policy_bundle"]
        verified = verify_bundle(
            bundle.encode(),
            h.services.keys.current().key_set.trusted,
            active_version=0,
            now=datetime.now(UTC),
        )
    assert verified.manifest.key_id == keys.current().key_set.active
    assert len(list((data_dir / "keys").glob("*.signing-key"))) == 1  # kept, not new


def test_a_bundle_signed_outside_the_centre_s_key_set_is_refused(
    cli, centre: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standalone = tmp_path / "standalone"
    assert main(["keys", "generate", "--out", str(standalone), "--key-id", "svc"]) == 0
    signed = tmp_path / "v9.json"
    code, _, err = cli(
        "policy",
        "sign",
        str(SOURCE_DIR),
        "--key",
        str(standalone / "svc.signing-key"),
        "--version",
        "9",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        str(signed),
    )
    assert code == 0, err

    code, _, err = cli("policy", "publish", str(signed))

    assert code == 1
    assert "not published" in err and "key set version 1" in err
    bundle = json.loads(centre.enrol().pull().json()["policy_bundle"])
    assert bundle["manifest"]["version"] == 2  # the fixture's stays newest


def test_kb_publish_gives_a_snapshot_then_a_signed_delta(
    cli, centre: Harness, tmp_path: Path
) -> None:
    docs = tmp_path / "kb"
    docs.mkdir()
    (docs / "pump.md").write_text("# Pump\nE-42: seal")
    (docs / "valve.md").write_text("# Valve")
    assert cli("kb", "publish", str(docs))[0] == 0
    (docs / "pump.md").write_text("# Pump\nE-42: seal, check impeller")
    (docs / "valve.md").unlink()
    assert cli("kb", "publish", str(docs))[0] == 0
    device = centre.enrol()

    fresh = KbDelta.model_validate(device.pull().json()["kb"])
    delta = KbDelta.model_validate(device.pull(kb_version=2).json()["kb"])

    # Versions start above the KB a device's home is set up with (version 1).
    assert (fresh.version, fresh.base_version, sorted(fresh.files)) == (
        3,
        None,
        ["pump.md"],
    )
    assert (delta.base_version, delta.removed) == (2, ["valve.md"])
    assert base64.b64decode(delta.files["pump.md"]).endswith(b"check impeller")
    assert delta.key_id == centre.key.key_id
    public = centre.key.private_key.public_key()
    public.verify(base64.b64decode(delta.signature), delta.signed_bytes())
    assert device.pull(kb_version=3).json()["kb"] is None


def test_jobs_assign_reaches_the_device_and_scopes_revalidation(
    cli, centre: Harness, tmp_path: Path
) -> None:
    device = centre.enrol()
    book = tmp_path / "jobs.json"
    book.write_text(
        json.dumps(
            {
                "jobs": [
                    {
                        "job_id": "J-1",
                        "asset_id": "MED-7",
                        "site_id": "S-1",
                        "summary": "x",
                    }
                ],
                "assets": [],
            }
        )
    )

    code, out, _ = cli("jobs", "assign", "--device", device.device_id, str(book))
    pulled = device.pull().json()
    device.record("record_repair", REPAIR)  # J-1 is a medical asset at the centre
    (result,) = device.push().json()["results"]

    assert code == 0 and "version 1" in out
    assert pulled["jobs_version"] == 1 and pulled["jobs"]["jobs"][0]["job_id"] == "J-1"
    assert result["status"] == "rejected" and "Medical equipment" in result["reason"]


def test_kill_switches_reach_pull_and_revalidation(cli, centre: Harness) -> None:
    device = centre.enrol()
    assert (
        cli("kill-switch", "--tool", "record_repair", "on", "--reason", "recall")[0]
        == 0
    )

    switch = device.pull().json()["kill_switch"]
    device.record("record_repair", REPAIR)
    (result,) = device.push().json()["results"]

    assert switch == {"agent": False, "tools": ["record_repair"], "reason": "recall"}
    assert result["status"] == "rejected" and "recall" in result["reason"]
    assert cli("kill-switch", "--fleet", "on")[0] == 0
    assert device.pull().json()["kill_switch"]["agent"] is True
    assert cli("kill-switch", "--fleet", "--tool", "x", "on")[0] == 2


def test_the_fleet_s_state_shows_each_device_and_the_switches_in_force(
    cli, centre: Harness
) -> None:
    ann = centre.enrol()
    centre.enrol("dev-test-0002", technician="bob")
    ann.record("order_part", BIG_ORDER)
    ann.record("record_repair", REPAIR)
    ann.push()
    assert (
        cli("kill-switch", "--device", ann.device_id, "on", "--reason", "recall")[0]
        == 0
    )

    code, out, _ = cli("device", "list")
    assert code == 0 and "'laptop'" in out
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "SWITCHED OFF" in lines[ann.device_id]
    assert "active" in lines["dev-test-0002"]
    shown = json.loads(cli("device", "show", ann.device_id, "--json")[1])
    assert shown["actions"] == {"applied": 1, "quarantined": 1}
    assert shown["kill_switches"][0]["reason"] == "recall"
    assert (
        "actions at the centre: 1 applied, 1 quarantined"
        in cli("device", "show", ann.device_id)[1]
    )

    (switch,) = json.loads(cli("kill-switch", "--json")[1])
    assert (switch["scope"], switch["target"]) == ("device", ann.device_id)
    assert cli("kill-switch", "--device", ann.device_id, "off")[0] == 0
    code, out, err = cli("kill-switch", "list")
    assert code == 0 and out == "" and "No kill switch is on." in err
    assert cli("kill-switch", "--fleet")[0] == 2  # on or off must be said
    assert cli("device", "show", "no-such-device")[0] != 0


def test_report_counts_a_difference_only_where_the_outcomes_differ(
    cli, centre: Harness
) -> None:
    device = centre.enrol()
    same = device.record("record_repair", REPAIR, policy=default_policy(version=7))
    device.record("order_part", BIG_ORDER, policy=default_policy(version=7))
    lenient = Decision(Outcome.CONFIRM, ("an older, laxer rule",), ("old",), 6)
    differs = device.enqueue({"tool": "order_part", "args": BIG_ORDER}, lenient)
    device.push()

    (shift,) = json.loads(cli("report", "--technician", "ann", "--json")[1])

    keys = [d["key"] for d in shift["revalidation_differences"]]
    assert differs in keys and same not in keys and len(keys) == 1
    assert "differences: 1" in cli("report")[1]


def test_report_lists_shifts_with_differences_and_reviews(cli, centre: Harness) -> None:
    device = centre.enrol()
    device.record("record_repair", REPAIR)
    big = device.record("order_part", BIG_ORDER)
    device.push()
    cli("review", "approve", big)

    code, out, _ = cli("report", "--technician", "ann", "--json")
    (shift,) = json.loads(out)
    text = cli("report")[1]

    assert code == 0
    assert shift["actions_offline"] == 2
    assert shift["statuses"] == {"applied": 2}
    assert shift["reviews"][0]["by"] == "sam"
    assert shift["device_policy_versions"] == [1]
    assert "ann, shift" in text and "supervisor reviews: 1" in text


def test_report_until_leaves_out_what_was_received_from_then(
    cli, centre: Harness
) -> None:
    device = centre.enrol()
    device.record("record_repair", REPAIR)
    until = centre.clock.now.isoformat()
    centre.clock.advance(timedelta(minutes=1))
    device.push()

    (shift,) = json.loads(cli("report", "--json")[1])
    before = json.loads(cli("report", "--until", until, "--json")[1])

    assert shift["actions_offline"] == 1 and before == []
    assert cli("report", "--until", "soon")[0] == 2


def test_turns_list_reads_the_log_the_console_shows(cli, centre: Harness) -> None:
    device = centre.enrol()
    ask(device, "a1", "Pump shows E-42")
    deny(device, "quantity above 50")
    send(centre, device)

    turns = json.loads(cli("turns", "list", "--json")[1])
    text = cli("turns", "list")[1]

    assert {t["trace_id"] for t in turns} >= {"a1"}
    assert all(t["technician_id"] == "ann" for t in turns)
    assert "a1" in text and "order_part: deny" in text
    assert cli("turns", "list", "--limit", "1001")[0] == 2


def test_review_list_lists_every_held_action_past_one_page_or_the_oldest_few(
    cli, centre: Harness
) -> None:
    device = centre.enrol()
    times = [utc_now() - timedelta(minutes=n) for n in range(PAGE_SIZE + 30, 0, -1)]
    keys = hold(centre.services.storage, device.device_id, "ann", times)

    code, out, _ = cli("review", "list", "--json")
    _, text, _ = cli("review", "list")
    _, few, _ = cli("review", "list", "--limit", "3")

    assert code == 0 and [i["key"] for i in json.loads(out)] == keys
    assert text.count(f" {device.device_id} #") == PAGE_SIZE + 30
    assert [line[:8] for line in few.splitlines()[::2]] == [k[:8] for k in keys[:3]]


def test_review_reject_all_decides_past_one_page(cli, centre: Harness) -> None:
    device = centre.enrol()
    times = [utc_now() - timedelta(minutes=n) for n in range(PAGE_SIZE + 10, 0, -1)]
    hold(centre.services.storage, device.device_id, "ann", times)

    code, out, err = cli("review", "reject", "--all", "--reason", "stock", "--yes")

    assert code == 0, err
    assert f"Rejected {PAGE_SIZE + 10} of {PAGE_SIZE + 10} action(s)" in out
    assert centre.services.review.count() == 0
