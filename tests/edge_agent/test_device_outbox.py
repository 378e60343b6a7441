"""The device knows the outbox it made: a lost one is damage, never replaced
without a word; a reset is knowing and recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edge_agent.config import EdgeSettings, load_settings
from edge_agent.depot.sync_state import SyncState, read_sync_state, write_sync_state
from edge_agent.device import outbox_record, outbox_resets
from edge_agent.device_outbox import device_outbox, reset_outbox
from edge_agent.errors import OutboxLost
from sync import GENESIS_HASH, Outbox, QueuedAction
from tests.sync.outbox_support import START, sample_parts, sample_trace


@pytest.fixture
def settings(isolated_home: Path) -> EdgeSettings:
    """The settings of a fresh home (the autouse fixture's)."""
    return load_settings(home=isolated_home)


def queue(settings: EdgeSettings, count: int = 1) -> list[QueuedAction]:
    with device_outbox(settings) as outbox:
        return [
            outbox.enqueue(**sample_parts(), trace=sample_trace(f"t{outbox_seq}"))
            for outbox_seq in range(count)
        ]


def home_files(settings: EdgeSettings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in settings.home.iterdir() if p.is_file()}


def test_a_new_home_just_starts_and_records_its_outbox(settings) -> None:
    with device_outbox(settings) as outbox:
        identity = outbox.identity()

    record = outbox_record(settings.home)
    assert record is not None and record.outbox_id == identity.outbox_id
    assert (record.seq, record.row_hash) == (0, GENESIS_HASH)


def test_the_record_follows_each_command_that_queued(settings) -> None:
    *_, last = queue(settings, 3)

    record = outbox_record(settings.home)
    assert record is not None and (record.seq, record.row_hash) == (3, last.row_hash)


def test_a_record_that_lags_catches_up_at_the_next_open(settings) -> None:
    queue(settings)
    # A command killed before it closed the outbox: its actions are not recorded.
    with Outbox.open(settings.layout.outbox_db, device_id=_device(settings)) as raw:
        raw.enqueue(**sample_parts(), trace=sample_trace("killed"))
    assert outbox_record(settings.home).seq == 1  # type: ignore[union-attr]

    with device_outbox(settings) as outbox:
        assert outbox.identity().head.seq == 2
    assert outbox_record(settings.home).seq == 2  # type: ignore[union-attr]


def test_an_outbox_from_before_the_record_is_taken_and_recorded(settings) -> None:
    settings.home.mkdir(parents=True)
    with Outbox.open(settings.layout.outbox_db, device_id=_device(settings)) as raw:
        raw.enqueue(**sample_parts(), trace=sample_trace())
    assert outbox_record(settings.home) is None

    with device_outbox(settings) as outbox:
        assert outbox.list()[0].seq == 1
    assert outbox_record(settings.home).seq == 1  # type: ignore[union-attr]


def test_a_deleted_outbox_is_damage_and_nothing_is_created(settings) -> None:
    queue(settings, 10)
    settings.layout.outbox_db.unlink()
    before = home_files(settings)

    with pytest.raises(OutboxLost) as raised:
        device_outbox(settings).__enter__()

    assert raised.value.found == "missing"
    assert "is missing, but this device made one" in raised.value.message
    assert "actions numbered up to 10" in raised.value.message
    assert "Put the file back from a backup" in raised.value.message
    assert "reset-outbox --i-understand" in raised.value.message
    assert home_files(settings) == before
    assert not settings.layout.outbox_db.exists()


def test_an_emptied_outbox_is_damage_and_stays_empty(settings) -> None:
    queue(settings, 10)
    settings.layout.outbox_db.write_bytes(b"")

    with pytest.raises(OutboxLost, match="is empty") as raised:
        device_outbox(settings).__enter__()

    assert raised.value.found == "empty"
    assert settings.layout.outbox_db.read_bytes() == b""


def test_another_outbox_in_its_place_is_damage(settings, tmp_path) -> None:
    queue(settings, 2)
    own = settings.layout.outbox_db.read_bytes()
    other = tmp_path / "other.db"
    with Outbox.open(other, device_id=_device(settings)) as stranger:
        stranger.enqueue(**sample_parts(), trace=sample_trace())
    shutil.copyfile(other, settings.layout.outbox_db)
    found = settings.layout.outbox_db.read_bytes()

    with pytest.raises(OutboxLost, match="is not the one this device made") as raised:
        device_outbox(settings).__enter__()

    assert raised.value.found == "replaced"
    assert settings.layout.outbox_db.read_bytes() == found != own


def test_an_older_copy_is_damage_and_the_missing_actions_are_named(settings) -> None:
    queue(settings, 2)
    backup = settings.layout.outbox_db.read_bytes()
    queue(settings, 3)
    settings.layout.outbox_db.write_bytes(backup)

    with pytest.raises(OutboxLost, match="actions 3 to 5 are not in it") as raised:
        device_outbox(settings).__enter__()

    assert raised.value.found == "behind"
    assert settings.layout.outbox_db.read_bytes() == backup


def test_the_outbox_put_back_from_a_backup_works_again(settings, tmp_path) -> None:
    queue(settings, 3)
    backup = tmp_path / "backup.db"
    shutil.copyfile(settings.layout.outbox_db, backup)
    settings.layout.outbox_db.unlink()
    with pytest.raises(OutboxLost):
        device_outbox(settings).__enter__()

    shutil.copyfile(backup, settings.layout.outbox_db)

    assert [a.seq for a in queue(settings)] == [4]


def test_a_damaged_outbox_is_left_alone_even_by_a_reset(settings) -> None:
    queue(settings)
    damaged = b"SQLite format 3\x00" + bytes(range(256)) * 8
    settings.layout.outbox_db.write_bytes(damaged)

    with pytest.raises(OutboxLost, match="move it aside") as raised:
        device_outbox(settings).__enter__()
    assert raised.value.found == "damaged"
    with pytest.raises(OutboxLost):
        reset_outbox(settings, clock=lambda: START)

    assert settings.layout.outbox_db.read_bytes() == damaged
    assert outbox_resets(settings.home) == []


def test_a_reset_starts_a_new_outbox_that_goes_on_from_the_lost_one(
    settings,
) -> None:
    *_, last = queue(settings, 3)
    lost = outbox_record(settings.home)
    write_sync_state(settings.home, SyncState(results_cursor=7, journal_cursor=12))
    settings.layout.outbox_db.unlink()

    reset = reset_outbox(settings, clock=lambda: START)

    assert reset.found == "missing" and reset.before == lost
    (action,) = queue(settings)
    assert (action.seq, action.prev_hash) == (4, last.row_hash)
    with device_outbox(settings) as outbox:
        assert outbox.verify_chain() is None
        assert outbox.identity().outbox_id == reset.now.outbox_id != lost.outbox_id  # type: ignore[union-attr]
    (recorded,) = outbox_resets(settings.home)
    assert recorded["found"] == "missing" and recorded["at"] == START.isoformat()
    assert recorded["lost"] == lost.as_dict()  # type: ignore[union-attr]
    assert read_sync_state(settings.home).journal_cursor == 0
    assert read_sync_state(settings.home).results_cursor == 7


def test_a_reset_takes_an_older_copy_as_it_is(settings) -> None:
    queue(settings, 2)
    backup = settings.layout.outbox_db.read_bytes()
    queue(settings, 3)
    settings.layout.outbox_db.write_bytes(backup)

    reset = reset_outbox(settings, clock=lambda: START)

    assert reset.found == "behind" and reset.now.seq == 2
    assert [a.seq for a in queue(settings)] == [3]


def test_a_reset_of_a_sound_outbox_changes_nothing(settings) -> None:
    queue(settings, 2)
    before = home_files(settings)

    reset = reset_outbox(settings, clock=lambda: START)

    assert reset.found is None and reset.now.seq == 2
    assert home_files(settings) == before


def test_a_reset_does_not_start_over_a_left_write_ahead_log(settings) -> None:
    queue(settings)
    settings.layout.outbox_db.unlink()
    wal = Path(f"{settings.layout.outbox_db}-wal")
    wal.write_bytes(b"the lost outbox's last writes")

    with pytest.raises(OutboxLost, match="may hold the lost outbox's last actions"):
        reset_outbox(settings, clock=lambda: START)

    assert not settings.layout.outbox_db.exists()
    assert wal.read_bytes() == b"the lost outbox's last writes"


def _device(settings: EdgeSettings) -> str:
    from edge_agent.device import device_id

    return device_id(settings.home)


def test_a_folder_in_place_of_the_outbox_is_damage(settings) -> None:
    queue(settings)
    settings.layout.outbox_db.unlink()
    settings.layout.outbox_db.mkdir()

    with pytest.raises(OutboxLost, match="is not a file") as raised:
        device_outbox(settings).__enter__()

    assert raised.value.found == "damaged"
    assert settings.layout.outbox_db.is_dir()
