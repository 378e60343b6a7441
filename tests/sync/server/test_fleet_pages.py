"""The fleet read a page at a time, a device's history in keyset pages, and
the kill switch for every device of one technician (service and CLI)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from policies import Decision, Outcome
from sync import SyncClient, send_journal
from sync.server.__main__ import main
from sync.server.device_history import device_actions, device_decisions, device_turns
from sync.server.errors import RequestInvalid
from sync.server.fleet_state import (
    device_state,
    fleet_page,
    release_convergence,
    switch_reach,
)
from sync.server.storage import devices
from sync.server.storage.fleet_listing import DeviceChoice
from tests.sync.server.support import (
    BIG_ORDER,
    REPAIR,
    FieldDevice,
    Harness,
    harness,
)


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    with harness(tmp_path, sqlite_url) as running:
        running.publish_default_policy()
        yield running


def switch(centre: Harness, scope, target: str, *, on: bool = True) -> None:
    centre.publisher.kill_switch(
        scope, target, enabled=on, reason="recall", actor="supervisor:sam"
    )


def test_a_technician_s_switch_stops_each_of_their_devices_and_no_other(
    centre: Harness,
) -> None:
    ann_one = centre.enrol("dev-ann-1", technician="ann")
    ann_two = centre.enrol("dev-ann-2", technician="ann")
    bob = centre.enrol("dev-bob-1", technician="bob")

    switch(centre, "technician", "ann")

    assert ann_one.pull().json()["kill_switch"]["agent"] is True
    assert ann_two.pull().json()["kill_switch"]["agent"] is True
    assert bob.pull().json()["kill_switch"]["agent"] is False
    ann_one.record("record_repair", REPAIR)
    bob.record("record_repair", REPAIR)
    (stopped,) = ann_one.push().json()["results"]
    (went,) = bob.push().json()["results"]
    assert stopped["status"] == "rejected" and "recall" in stopped["reason"]
    assert went["status"] == "applied"
    assert device_state(centre.services.storage, "dev-ann-2").state == "switched off"
    assert device_state(centre.services.storage, "dev-bob-1").state == "active"
    assert switch_reach(centre.services.storage, "technician", "ann") == 2
    assert switch_reach(centre.services.storage, "tool", "order_part") == 3

    switch(centre, "technician", "ann", on=False)
    assert ann_one.pull().json()["kill_switch"]["agent"] is False


def test_a_switch_must_name_its_target_and_the_fleet_s_none(centre: Harness) -> None:
    with pytest.raises(RequestInvalid, match="names which one"):
        switch(centre, "technician", "  ")
    with pytest.raises(RequestInvalid):
        switch(centre, "fleet", "dev-1")


def test_the_cli_throws_a_technician_s_switch_and_says_what_it_stops(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with harness(tmp_path, sqlite_url) as centre:
        centre.enrol("dev-ann-1", technician="ann")
        centre.enrol("dev-ann-2", technician="ann")
    base = ["--database-url", sqlite_url, "--data-dir", str(data), "--as", "sam"]

    code = main([*base, "kill-switch", "--technician", "ann", "on", "--reason", "x"])
    out, err = capsys.readouterr()
    listed = main([*base, "kill-switch", "list"])
    shown, _ = capsys.readouterr()
    both = main([*base, "kill-switch", "--technician", "ann", "--fleet", "on"])

    assert code == 0 and "technician ann is on" in out
    assert "2 devices will refuse new actions at their next sync" in err
    assert listed == 0 and "every device of technician ann: x (by sam" in shown
    assert both == 2


def test_the_fleet_page_filters_by_state_technician_and_name_and_counts_all(
    centre: Harness,
) -> None:
    for n in range(4):
        centre.enrol(f"dev-ann-{n}", technician="ann")
    centre.enrol("dev-bob-0", technician="bob")
    centre.enrol("dev-cy-0", technician="cy")
    switch(centre, "device", "dev-ann-1")
    switch(centre, "technician", "bob")
    with centre.services.storage.write() as connection:
        devices.revoke(connection, "dev-cy-0", at=centre.clock(), reason="lost")
    storage = centre.services.storage

    def ids(choice: DeviceChoice, **page) -> list[str]:
        return [d.record.device_id for d in fleet_page(storage, choice, **page).devices]

    assert ids(DeviceChoice(state="switched off")) == ["dev-ann-1", "dev-bob-0"]
    assert ids(DeviceChoice(state="revoked")) == ["dev-cy-0"]
    assert ids(DeviceChoice(state="active")) == ["dev-ann-0", "dev-ann-2", "dev-ann-3"]
    assert ids(DeviceChoice(technician_id="bob")) == ["dev-bob-0"]
    assert ids(DeviceChoice(text="ann-3")) == ["dev-ann-3"]
    assert ids(DeviceChoice(text="%")) == []  # a wildcard is only a character
    second = fleet_page(storage, DeviceChoice(), offset=2, limit=2)
    assert [d.record.device_id for d in second.devices] == ["dev-ann-2", "dev-ann-3"]
    assert second.total == 6 and len(second.switches) == 2
    assert second.devices[0].state == "active"
    switch(centre, "fleet", "")
    assert ids(DeviceChoice(state="active")) == []


def test_the_fleet_page_sorts_by_queue_and_counts_each_device_s_actions(
    centre: Harness,
) -> None:
    ann = centre.enrol("dev-ann-0", technician="ann")
    centre.enrol("dev-bob-0", technician="bob")
    ann.record("order_part", BIG_ORDER)
    ann.record("record_repair", REPAIR)
    ann.push()
    with centre.services.storage.write() as connection:
        devices.report_versions(connection, "dev-bob-0", queue_depth=7)

    page = fleet_page(centre.services.storage, DeviceChoice(), order="queue")

    assert [d.record.device_id for d in page.devices] == ["dev-bob-0", "dev-ann-0"]
    assert page.devices[1].actions == {"applied": 1, "quarantined": 1}
    assert release_convergence(centre.services.storage).newest is None


def client_for(centre: Harness, device: FieldDevice) -> SyncClient:
    return SyncClient(
        centre.http,
        device_id=device.device_id,
        secret=device.secret,
        clock=centre.clock,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def test_a_device_s_history_reads_in_pages_newest_first(centre: Harness) -> None:
    device = centre.enrol()
    for n in range(5):
        device.record("record_repair", {**REPAIR, "job_id": f"J-{n}"})
    device.push()
    for n in range(5):  # received in the same instant: the trace id orders them
        device.outbox.save_trace({"trace_id": f"ask-{n}", "name": "ask", "spans": []})
    denied = Decision(Outcome.DENY, ("quantity above 50",), ("order-limit",), 1)
    device.enqueue({"tool": "order_part", "args": {"quantity": 60}}, denied)
    centre.clock.advance(timedelta(minutes=1))
    send_journal(device.outbox, client_for(centre, device), cursor=0)
    storage, me = centre.services.storage, device.device_id

    first = device_actions(storage, me, limit=2)
    second = device_actions(storage, me, before_seq=first.entries[-1].seq, limit=2)
    last = device_actions(storage, me, before_seq=second.entries[-1].seq, limit=2)
    assert [a.seq for a in (*first.entries, *second.entries, *last.entries)] == [
        5,
        4,
        3,
        2,
        1,
    ]
    assert first.more and second.more and not last.more
    assert first.entries[0].arguments["job_id"] == "J-4"
    assert device_actions(storage, me, status="quarantined").entries == ()

    turns = device_turns(storage, me, limit=3)
    tail = turns.entries[-1]
    rest = device_turns(storage, me, before=(tail.saved_at, tail.trace_id), limit=3)
    names = [t.trace_id for t in (*turns.entries, *rest.entries)]
    asked = [name for name in names if name.startswith("ask-")]
    assert len(names) == 6 and asked == ["ask-4", "ask-3", "ask-2", "ask-1", "ask-0"]
    assert turns.more and rest.more  # and the five pushed with the actions
    every = device_turns(storage, me, limit=200)
    assert len(every.entries) == 11 and not every.more

    (decision,) = device_decisions(storage, me).entries
    assert decision.outcome == "deny" and decision.reasons == ("quantity above 50",)
