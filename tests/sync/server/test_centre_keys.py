"""The centre's own keys: made on first start, kept private, rotated and
revoked as a chain devices can follow, and listed for supervisors."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from policies import first_key_set, follow_key_sets
from sync.server.__main__ import main as governance
from sync.server.centre_keys import CentreKeys
from sync.server.errors import ConfigInvalid, PublishRefused
from tests.sync.server.support import Clock


def centre(folder: Path) -> CentreKeys:
    return CentreKeys(folder, clock=Clock())


def test_the_first_start_makes_a_private_key_and_key_set_one(tmp_path: Path) -> None:
    folder = tmp_path / "keys"

    key_set = centre(folder).ensure()

    (private,) = folder.glob("*.signing-key")
    assert private.name == f"{key_set.active}.signing-key"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert key_set.version == 1 and key_set.active.startswith("centre-")
    assert centre(folder).ensure() == key_set  # a restart keeps the same key


def test_two_processes_starting_at_once_make_one_key(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    found: list[str] = []

    def start() -> None:
        found.append(centre(folder).ensure().active)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(found)) == 1
    assert len(list(folder.glob("*.signing-key"))) == 1


def test_rotations_and_revocations_form_a_chain_a_device_follows(
    tmp_path: Path,
) -> None:
    keys = centre(tmp_path / "keys")
    one = first_key_set(keys.current().encode())
    first_active = one.active

    keys.rotate()
    third = keys.revoke(first_active)

    assert follow_key_sets(one, keys.documents_after(1)) == third
    assert third.version == 3 and first_active in third.revoked
    assert first_active not in third.trusted
    assert keys.signing_key().key_id == third.active
    statuses = {row.key_id: row.status for row in keys.listing()}
    assert statuses[first_active] == "revoked"
    assert sorted(statuses.values()) == ["active", "revoked"]


def test_revoking_the_active_key_makes_a_new_one(tmp_path: Path) -> None:
    keys = centre(tmp_path / "keys")
    active = keys.ensure().active

    after = keys.revoke(active)

    assert after.active != active and after.revoked == (active,)
    assert keys.signing_key().key_id == after.active


def test_revoking_an_unknown_or_revoked_key_is_refused(tmp_path: Path) -> None:
    keys = centre(tmp_path / "keys")
    active = keys.ensure().active
    keys.revoke(active)

    with pytest.raises(PublishRefused, match="revoked already"):
        keys.revoke(active)
    with pytest.raises(PublishRefused, match="No key nobody"):
        keys.revoke("nobody")
    with pytest.raises(PublishRefused, match="No key nobody"):
        keys.rotate(revoke=["nobody"])


def test_a_damaged_key_set_file_stops_the_centre_with_a_clear_error(
    tmp_path: Path,
) -> None:
    keys = centre(tmp_path / "keys")
    keys.ensure()
    keys.rotate()
    (tmp_path / "keys" / "key-set-v000002.json").write_text("{ not json")

    with pytest.raises(ConfigInvalid, match="key-set-v000002.json"):
        keys.current()


def test_a_missing_link_of_the_chain_is_noticed(tmp_path: Path) -> None:
    keys = centre(tmp_path / "keys")
    keys.ensure()
    keys.rotate()
    keys.rotate()
    (tmp_path / "keys" / "key-set-v000002.json").unlink()

    with pytest.raises(ConfigInvalid, match="do not form a chain"):
        keys.current()


def test_a_lost_private_key_is_named_when_signing(tmp_path: Path) -> None:
    keys = centre(tmp_path / "keys")
    active = keys.ensure().active
    (tmp_path / "keys" / f"{active}.signing-key").unlink()

    with pytest.raises(ConfigInvalid, match=active):
        keys.signing_key()


def test_keys_commands_list_rotate_and_revoke(tmp_path: Path, capsys) -> None:
    base = ["--data-dir", str(tmp_path / "centre")]

    assert governance([*base, "keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    (first,) = listed["keys"]
    assert (listed["key_set_version"], first["status"]) == (1, "active")

    assert governance([*base, "keys", "rotate"]) == 0
    assert "Key set version 2" in capsys.readouterr().out
    # Without a terminal to ask on, revoking needs --yes.
    assert governance([*base, "keys", "revoke", first["key_id"]]) == 2
    assert "--yes" in capsys.readouterr().err
    assert governance([*base, "keys", "revoke", first["key_id"], "--yes"]) == 0
    assert "Publish the policy and the KB again" in capsys.readouterr().out

    assert governance([*base, "keys", "list"]) == 0
    table = capsys.readouterr().out
    assert "Key set version 3" in table
    line = next(row for row in table.splitlines() if first["key_id"] in row)
    assert "revoked" in line
