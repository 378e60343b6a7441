"""Damaged or lost files of the home, through the command line: exit 5 and the
way back, nothing overwritten, and the outbox usable without the KB."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main
from edge_agent.device import outbox_record
from policies.defaults import SOURCE_DIR
from sync.server.__main__ import main as governance
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.sync.server.live import serving

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
PAGE = 4096


@pytest.fixture
def demo_home(capsys, isolated_home: Path) -> Path:
    """The demo's first start, then one order queued."""
    assert main(["demo", "--no-start"]) == 0
    assert main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
    capsys.readouterr()
    return isolated_home


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def damage(kb: Path, how: str) -> None:
    """Damage the knowledge base file the way ``how`` says."""
    size = kb.stat().st_size
    if how == "truncated":
        with kb.open("r+b") as file:
            file.truncate(size // 2 // PAGE * PAGE)
    elif how == "bad-header":
        with kb.open("r+b") as file:
            file.write(b"garbage, not SQLite")
    elif how == "folder":
        kb.unlink()
        kb.mkdir()
    elif how == "page-of-noise":
        with kb.open("r+b") as file:
            file.seek(size // PAGE // 2 * PAGE)
            file.write(random.Random(5).randbytes(PAGE))


def test_the_demos_first_start_records_its_outbox(demo_home, capsys) -> None:
    record = outbox_record(demo_home)
    assert record is not None and record.seq == 1
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["seq"] for a in json.loads(out)] == [1]


@pytest.mark.parametrize("how", ["truncated", "bad-header", "folder"])
def test_with_the_kb_damaged_the_outbox_still_works(demo_home, capsys, how) -> None:
    damage(demo_home / "knowledge.db", how)

    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["state"] for a in json.loads(out)] == ["queued"]
    code, out, _ = run(capsys, "actions", "show", "1")
    assert code == 0 and "queued" in out
    code, out, _ = run(capsys, "trace", "list")
    assert code == 0

    code, out, err = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--again"
    )
    assert code == exit_codes.DAMAGED and out == ""
    assert "knowledge base" in err and "is damaged" in err
    assert "'edge-agent actions list' and 'edge-agent sync' work" in err
    code, _, err = run(capsys, "ask", "--no-model", "what does E-42 mean")
    assert code == exit_codes.DAMAGED and "is damaged" in err
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert [a["seq"] for a in json.loads(out)] == [1]  # nothing was recorded


def test_kb_check_finds_a_page_of_noise_that_every_open_misses(
    demo_home, capsys
) -> None:
    code, out, _ = run(capsys, "kb", "check")
    assert code == 0 and "is sound" in out
    damage(demo_home / "knowledge.db", "page-of-noise")
    code, _, _ = run(capsys, "kb", "stats")
    assert code == 0  # the quick look at open cannot see it

    code, out, err = run(capsys, "kb", "check")

    assert code == exit_codes.DAMAGED
    assert out.strip() and "is damaged" in err
    code, out, _ = run(capsys, "kb", "check", "--json")
    found = json.loads(out)
    assert code == exit_codes.DAMAGED and found["problems"] and found["exists"]


def test_kb_check_without_a_kb_has_nothing_to_find(isolated_home, capsys) -> None:
    code, out, _ = run(capsys, "kb", "check")
    assert code == 0 and "no knowledge base" in out


def test_kb_check_says_a_folder_in_its_place_is_damage(isolated_home, capsys) -> None:
    (isolated_home / "knowledge.db").mkdir(parents=True)
    code, out, _ = run(capsys, "kb", "check")
    assert code == exit_codes.DAMAGED and "a folder is in its place" in out


def test_a_deleted_outbox_stops_every_command_until_restored_or_reset(
    demo_home, capsys
) -> None:
    for _ in range(9):
        run(capsys, "actions", "create", "order_part", "--args", GASKETS, "--again")
    (demo_home / "outbox.db").unlink()

    for command in (["actions", "list"], ["actions", "create", "order_part"]):
        extra = ["--args", GASKETS, "--yes"] if "create" in command else []
        code, out, err = run(capsys, *command, *extra)
        assert code == exit_codes.DAMAGED and out == ""
        assert "is missing, but this device made one" in err
        assert "actions numbered up to 10" in err
    assert not (demo_home / "outbox.db").exists()

    code, _, err = run(capsys, "actions", "reset-outbox")
    assert code == exit_codes.DAMAGED
    assert "With --i-understand this command would start a new" in err
    assert not (demo_home / "outbox.db").exists()

    code, out, _ = run(capsys, "actions", "reset-outbox", "--i-understand")
    assert code == 0 and "its next action is number 11" in out
    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--json", "--yes"
    )
    assert code == 0 and json.loads(out)["seq"] == 11
    resets = json.loads((demo_home / "device.json").read_text())["outbox_resets"]
    assert [(r["found"], r["lost"]["seq"]) for r in resets] == [("missing", 10)]


def test_a_page_of_noise_in_the_outbox_is_found_when_it_opens(
    demo_home, capsys
) -> None:
    code, _, _ = run(capsys, "ask", "--no-model", "what does E-42 mean")
    assert code == 0
    damage(demo_home / "outbox.db", "page-of-noise")
    damaged = (demo_home / "outbox.db").read_bytes()

    for command in (
        ["ask", "--no-model", "what does E-42 mean"],
        ["actions", "list"],
        ["actions", "create", "order_part", "--args", GASKETS, "--again", "--yes"],
    ):
        code, out, err = run(capsys, *command)
        assert code == exit_codes.DAMAGED and out == "", command
        assert "is damaged or not a database" in err and "Put it back from" in err

    assert (demo_home / "outbox.db").read_bytes() == damaged


def test_a_deleted_device_file_is_damage_and_is_not_written_anew(
    demo_home, capsys
) -> None:
    device_file = demo_home / "device.json"
    backup = device_file.read_bytes()
    device_file.unlink()

    for command in (
        ["actions", "list"],
        ["ask", "--no-model", "what does E-42 mean"],
        ["actions", "create", "order_part", "--args", GASKETS, "--again", "--yes"],
    ):
        code, out, err = run(capsys, *command)
        assert code == exit_codes.DAMAGED and out == "", command
        assert "device.json is missing, but this home has outbox.db" in err
        assert "Put the file back from a backup" in err
        assert not device_file.exists()

    device_file.write_bytes(backup)
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["seq"] for a in json.loads(out)] == [1]


def test_a_lost_device_file_can_be_written_from_the_enrolled_id(
    demo_home, capsys
) -> None:
    device_file = demo_home / "device.json"
    known = json.loads(device_file.read_text())["device_id"]
    (demo_home / "credentials.json").write_text(json.dumps({"device_id": known}))
    device_file.unlink()

    code, _, err = run(capsys, "actions", "list")

    assert code == exit_codes.DAMAGED
    told = re.search(r"credentials.json\): (\{.*?\});", err)
    assert told is not None and json.loads(told.group(1)) == {"device_id": known}
    device_file.write_text(told.group(1))
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["seq"] for a in json.loads(out)] == [1]
    assert outbox_record(demo_home).seq == 1  # type: ignore[union-attr]


MANUAL = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"


def centre_with(tmp_path: Path, capsys, *, kb: bool):
    """A centre (policy published, a KB too if ``kb``) and a device enrolled
    with it, the demo loaded and one order queued; yields the centre's URL."""
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    assert governance([*base, "policy", "publish", str(SOURCE_DIR)]) == 0
    if kb:
        manuals = tmp_path / "manuals"
        manuals.mkdir()
        (manuals / "pump-p200.md").write_text(MANUAL)
        assert governance([*base, "kb", "publish", str(manuals)]) == 0
    assert governance([*base, "device", "enroll-token"]) == 0
    token = re.search(r"[A-Za-z0-9_\-]{20,}", capsys.readouterr().out)
    assert token is not None
    app = create_app(ServerSettings(data_dir=centre, database_url=url))
    return token.group(), app


@pytest.mark.server
def test_a_sync_pushes_the_actions_and_replaces_a_damaged_kb(
    tmp_path, isolated_home, capsys
) -> None:
    token, app = centre_with(tmp_path, capsys, kb=True)
    assert main(["demo", "--no-start"]) == 0
    with serving(app) as server:
        assert main(["enroll", "--server", server, "--token", token]) == 0
        assert (
            main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
        )
        damage(isolated_home / "knowledge.db", "page-of-noise")
        damaged = (isolated_home / "knowledge.db").read_bytes()
        capsys.readouterr()

        code, out, err = run(capsys, "sync", "--server", server, "--json")

    summary = json.loads(out)
    assert code == 0, err
    assert summary["sent"] == 1 and summary["kb_problem"] is None
    (kb,) = [part for part in summary["parts"] if part["part"] == "kb"]
    assert kb["status"] == "updated" and "damaged file is kept" in kb["message"]
    assert (isolated_home / "knowledge.db.damaged").read_bytes() == damaged
    assert run(capsys, "kb", "check")[0] == 0
    code, out, _ = run(capsys, "ask", "--no-model", "what does E-42 mean")
    assert code == 0 and "inlet pressure" in out


@pytest.mark.server
def test_a_sync_without_a_kb_to_replace_the_damaged_one_exits_4(
    tmp_path, isolated_home, capsys
) -> None:
    token, app = centre_with(tmp_path, capsys, kb=False)
    assert main(["demo", "--no-start"]) == 0
    with serving(app) as server:
        assert main(["enroll", "--server", server, "--token", token]) == 0
        assert (
            main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
        )
        damage(isolated_home / "knowledge.db", "bad-header")
        capsys.readouterr()

        code, out, err = run(capsys, "sync", "--server", server)

    assert code == exit_codes.DAMAGED
    assert "Sent 1 action(s)" in out
    assert "The centre sent no knowledge base to replace it." in err
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert json.loads(out)[0]["state"] != "queued"


def test_damaged_centre_keys_turn_the_device_read_only_not_the_queue_off(
    demo_home, capsys
) -> None:
    keys = demo_home / "centre-keys.json"
    keys.write_text('{"key_set": ')

    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["seq"] for a in json.loads(out)] == [1]
    code, out, err = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--again", "--yes"
    )
    # Read-only, as with an expired policy: the denial is recorded, with why.
    assert code == 0 and "Decision: DENY" in out
    assert "Read-only: The centre's key set" in out and "is damaged" in out
    code, _, err = run(capsys, "policy", "show")
    assert code == exit_codes.DAMAGED and "Put the file back from a backup" in err
    assert keys.read_text() == '{"key_set": '


@pytest.mark.server
def test_a_sync_with_damaged_centre_keys_sends_nothing_and_says_how_to_restore(
    tmp_path, isolated_home, capsys
) -> None:
    token, app = centre_with(tmp_path, capsys, kb=False)
    assert main(["demo", "--no-start"]) == 0
    with serving(app) as server:
        assert main(["enroll", "--server", server, "--token", token]) == 0
        assert (
            main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
        )
        keys = isolated_home / "centre-keys.json"
        backup = keys.read_bytes()
        keys.write_bytes(b"garbage" + backup[7:])
        capsys.readouterr()

        code, out, err = run(capsys, "sync", "--server", server)
        assert code == exit_codes.DAMAGED and "Sent" not in out
        assert "centre-keys.json is damaged" in err and "'edge-agent enroll'" in err
        code, out, _ = run(capsys, "actions", "list", "--json")
        assert json.loads(out)[0]["state"] == "queued"

        keys.write_bytes(backup)
        code, out, err = run(capsys, "sync", "--server", server)
    assert code == 0, err
    assert "Sent 1 action(s)" in out


def test_a_deleted_policy_state_is_not_replaced_by_the_shipped_default(
    demo_home, capsys
) -> None:
    folder = demo_home / "policy"
    state = folder / "state.json"
    state.unlink()
    bundles = sorted(p.name for p in folder.glob("bundle-v*.json"))

    code, out, _ = run(capsys, "policy", "show", "--json")
    assert code == 0 and not json.loads(out)["actions_allowed"]
    assert "state.json is missing, but the folder holds" in out
    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--again", "--yes"
    )
    assert code == 0 and "Decision: DENY" in out and "'edge-agent sync'" in out

    assert not state.exists()
    assert sorted(p.name for p in folder.glob("bundle-v*.json")) == bundles
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert code == 0 and [a["state"] for a in json.loads(out)] == ["denied", "queued"]


def test_a_removed_policy_folder_starts_again_from_the_shipped_bundle(
    demo_home, capsys
) -> None:
    shutil.rmtree(demo_home / "policy")

    code, out, _ = run(capsys, "policy", "show", "--json")

    assert code == 0 and json.loads(out)["actions_allowed"]


@pytest.mark.server
def test_a_sync_over_a_damaged_sync_state_says_the_cursors_were_reset(
    tmp_path, isolated_home, capsys
) -> None:
    token, app = centre_with(tmp_path, capsys, kb=False)
    assert main(["demo", "--no-start"]) == 0
    with serving(app) as server:
        assert main(["enroll", "--server", server, "--token", token]) == 0
        assert main(["sync", "--server", server]) == 0
        assert (
            main(["actions", "create", "order_part", "--args", GASKETS, "--yes"]) == 0
        )
        state = isolated_home / "sync_state.json"
        state.write_bytes(b"garbage" + state.read_bytes()[7:])
        damaged = state.read_bytes()
        capsys.readouterr()

        code, out, err = run(capsys, "sync", "--server", server)

    assert code == 0 and "Sent 1 action(s)" in out
    assert "cursors were reset" in err and "Nothing queued is lost" in err
    assert (isolated_home / "sync_state.json.damaged").read_bytes() == damaged
    assert json.loads(state.read_text())["results_cursor"] >= 1
    # The sync brought the centre's kill switch again: actions go as the
    # policy says, no longer all held for a supervisor.
    another = GASKETS.replace('"quantity": 2', '"quantity": 3')
    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", another, "--yes", "--json"
    )
    assert code == 0 and json.loads(out)["decision"]["outcome"] == "confirm"


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_lost_or_emptied_knowledge_base_is_damage_not_a_new_start(
    demo_home, capsys, how
) -> None:
    kb = demo_home / "knowledge.db"
    assert (demo_home / "knowledge.json").exists()
    if how == "deleted":
        kb.unlink()
    else:
        kb.write_bytes(b"")

    code, out, err = run(capsys, "ask", "--no-model", "E-42")

    assert code == exit_codes.DAMAGED
    state = "missing" if how == "deleted" else "empty"
    assert f"is {state}, but this device had one" in out + err
    assert "edge-agent sync" in out + err
    assert kb.exists() == (how == "emptied")
    assert not kb.exists() or kb.stat().st_size == 0  # nothing made anew
    code, out, _ = run(capsys, "actions", "list")
    assert code == 0 and "1 queued" in out  # the queue does not need it
    assert not kb.exists() or kb.stat().st_size == 0


def test_ingesting_again_brings_a_lost_knowledge_base_back(demo_home, capsys) -> None:
    (demo_home / "knowledge.db").unlink()
    from edge_agent.knowledge import demo_data_dir

    code, _, _ = run(capsys, "kb", "ingest", str(demo_data_dir()))
    assert code == 0
    code, out, _ = run(capsys, "ask", "--no-model", "E-42")
    assert code == 0 and "Motor overload trip" in out


def test_a_home_that_never_had_documents_starts_its_knowledge_base(
    isolated_home, capsys
) -> None:
    code, out, err = run(capsys, "kb", "stats")
    assert code == 0
    assert not (isolated_home / "knowledge.json").exists()


def test_a_damaged_sync_state_holds_every_action_for_a_supervisor(
    demo_home, capsys
) -> None:
    # The centre's kill switch lives in sync_state.json: once it cannot be
    # read, nothing may go out on the technician's word alone.
    (demo_home / "sync_state.json").write_bytes(b'{"kill_switch": {"agent": tr')
    another = GASKETS.replace('"quantity": 2', '"quantity": 3')

    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", another, "--yes", "--json"
    )

    assert code == 0
    action = json.loads(out)
    assert action["decision"]["outcome"] == "approve"
    assert action["decision"]["matched_rules"][0] == "centre.kill_switch.unreadable"
    assert (
        "record of the centre's kill switch was damaged"
        in (action["decision"]["reasons"][0])
    )
    code, out, _ = run(capsys, "policy", "show")
    assert code == 0 and "Every action waits for a supervisor's approval" in out
    code, out, _ = run(capsys, "ask", "--no-model", "E-42")
    assert code == 0 and "E-42" in out  # answers are not held
