"""The fleet page and a device's page: every device's state, filters in the
address, pages, a device's actions, decisions and turns, text from devices
shown as text."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from policies import Decision, Outcome
from sync import SyncClient, send_journal
from sync.server.storage import devices, releases
from tests.sync.server.console.support import sign_in
from tests.sync.server.support import BIG_ORDER, REPAIR, FieldDevice, Harness


def client_for(centre: Harness, device: FieldDevice) -> SyncClient:
    return SyncClient(
        centre.http,
        device_id=device.device_id,
        secret=device.secret,
        clock=centre.clock,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def rows_of(page: str, table: str) -> list[str]:
    """The body rows of the table with this id."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)


def test_the_fleet_needs_a_session(centre: Harness) -> None:
    for path in ("/console/fleet", "/console/devices/dev-1"):
        response = centre.http.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/sign-in?next=")


def test_the_fleet_shows_each_device_s_state_versions_and_actions(
    centre: Harness,
) -> None:
    ann = centre.enrol("dev-ann-1", technician="ann")
    centre.enrol("dev-ann-2", technician="ann")
    centre.enrol("dev-bob-1", technician="bob")
    ann.record("order_part", BIG_ORDER)
    ann.record("record_repair", REPAIR)
    ann.push()
    ann.pull(policy_version=1, kb_version=2)
    centre.publisher.kill_switch(
        "device", "dev-ann-2", enabled=True, reason="lost", actor="supervisor:sam"
    )
    sign_in(centre.http, "ada")  # an auditor reads the fleet too

    page = centre.http.get("/console/fleet")

    assert page.status_code == 200
    assert 'id="nav-fleet" href="/console/fleet" aria-current="page"' in page.text
    assert "Devices 1 to 3 of 3" in page.text
    assert "No release has been made yet." in page.text
    assert "Kill switches on: device dev-ann-2" in page.text
    rows = rows_of(page.text, "fleet-table")
    assert len(rows) == 3
    assert (
        "/console/devices/dev-ann-1" in rows[0]
        and "1 applied, 1 quarantined" in rows[0]
    )
    assert "policy v1, KB v2" in rows[0] and "active" in rows[0]
    assert "switched off" in rows[1] and "by device dev-ann-2" in rows[1]
    assert "<form" not in page.text.split('id="fleet"', 1)[1]


def test_the_fleet_filters_and_sorts_from_the_address(centre: Harness) -> None:
    centre.enrol("dev-ann-1", technician="ann")
    centre.enrol("dev-bob-1", technician="bob")
    with centre.services.storage.write() as connection:
        devices.revoke(connection, "dev-bob-1", at=centre.clock(), reason="stolen")
        devices.report_versions(
            connection, "dev-ann-1", refused_updates='["policy v9: bad signature"]'
        )
    sign_in(centre.http, "sam")

    revoked = centre.http.get("/console/fleet?state=revoked")
    by_name = centre.http.get("/console/fleet?device=ann&sort=queue")
    refused = centre.http.get("/console/fleet?refused=1")
    nobody = centre.http.get("/console/fleet?technician=cy")

    assert [("dev-bob-1" in r) for r in rows_of(revoked.text, "fleet-table")] == [True]
    assert 'value="revoked" selected' in revoked.text
    (row,) = rows_of(by_name.text, "fleet-table")
    assert "dev-ann-1" in row and 'value="queue" selected' in by_name.text
    (row,) = rows_of(refused.text, "fleet-table")
    assert "policy v9: bad signature" in row
    assert "No device matches this filter." in nobody.text
    wrong = centre.http.get("/console/fleet?state=asleep")
    assert wrong.status_code == 422 and "There is no device state" in wrong.text


def test_the_fleet_is_read_a_page_at_a_time(centre: Harness) -> None:
    with centre.services.storage.write() as connection:
        for n in range(53):
            devices.add_device(
                connection,
                device_id=f"dev-{n:03d}",
                name="laptop",
                technician_id="ann",
                role="technician",
                secret="s" * 64,
                at=centre.clock(),
            )
    sign_in(centre.http, "sam")

    first = centre.http.get("/console/fleet?technician=ann")
    second = centre.http.get("/console/fleet?technician=ann&page=2")

    assert len(rows_of(first.text, "fleet-table")) == 50
    assert "Devices 1 to 50 of 53" in first.text
    assert 'href="/console/fleet?technician=ann&amp;page=2" id="fleet-next"' in (
        first.text
    )
    assert "fleet-previous" not in first.text
    assert [("dev-05" in r) for r in rows_of(second.text, "fleet-table")] == [True] * 3
    assert 'href="/console/fleet?technician=ann" id="fleet-previous"' in second.text
    assert "fleet-next" not in second.text
    assert centre.http.get("/console/fleet?page=0").status_code == 422


def test_an_empty_fleet_says_how_devices_join(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    page = centre.http.get("/console/fleet")
    assert page.status_code == 200 and 'id="fleet-empty"' in page.text
    assert "No device is enrolled yet" in page.text


def test_a_device_s_page_shows_its_state_actions_decisions_and_turns(
    centre: Harness,
) -> None:
    device = centre.enrol("dev-ann-1", technician="ann")
    held = device.record("order_part", BIG_ORDER)
    device.record("record_repair", REPAIR)
    device.push()
    device.outbox.save_trace({"trace_id": "ask-1", "name": "ask", "spans": []})
    denied = Decision(Outcome.DENY, ("quantity above 50",), ("order-limit",), 1)
    device.enqueue({"tool": "order_part", "args": {"quantity": 60}}, denied)
    send_journal(device.outbox, client_for(centre, device), cursor=0)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/devices/dev-ann-1")

    assert page.status_code == 200
    assert "ann (technician)" in page.text and "1 applied, 1 quarantined" in page.text
    actions = rows_of(page.text, "actions-table")
    assert len(actions) == 2 and "applied" in actions[0]
    assert f'href="/console/review/{held}?device=dev-ann-1"' in actions[1]
    assert "/console/review/" not in actions[0]  # only held ones are reviewed
    (decision,) = rows_of(page.text, "decisions-table")
    assert "deny" in decision and "quantity above 50" in decision
    turns = rows_of(page.text, "turns-table")
    assert any('href="/console/turns/ask-1?device=dev-ann-1"' in t for t in turns)
    quarantined = centre.http.get("/console/devices/dev-ann-1?status=quarantined")
    (only,) = rows_of(quarantined.text, "actions-table")
    assert "order_part" in only


def test_a_device_s_actions_are_paged_by_sequence(centre: Harness) -> None:
    device = centre.enrol("dev-ann-1", technician="ann")
    for n in range(27):
        device.record("record_repair", {**REPAIR, "job_id": f"J-{n}"})
    device.push()
    sign_in(centre.http, "sam")

    first = centre.http.get("/console/devices/dev-ann-1")
    older = re.search(r'href="([^"]+)" id="actions-older"', first.text)
    assert older is not None
    second = centre.http.get(older.group(1).replace("&amp;", "&"))

    assert len(rows_of(first.text, "actions-table")) == 25
    seqs = re.findall(
        r"<td>#(\d+)</td>", "".join(rows_of(second.text, "actions-table"))
    )
    assert seqs == ["2", "1"]
    assert 'id="actions-newest"' in second.text and "actions-older" not in second.text
    bad = centre.http.get("/console/devices/dev-ann-1?turns_before=yesterday")
    assert bad.status_code == 422 and "Older turns" in bad.text


def test_a_device_without_history_and_an_unknown_device(centre: Harness) -> None:
    centre.enrol("dev-ann-1", technician="ann")
    sign_in(centre.http, "sam")

    empty = centre.http.get("/console/devices/dev-ann-1")
    missing = centre.http.get("/console/devices/dev-nobody")

    assert empty.status_code == 200
    for table in ("actions-empty", "decisions-empty", "turns-empty"):
        assert f'id="{table}"' in empty.text
    assert missing.status_code == 404 and "No device dev-nobody is enrolled" in (
        missing.text
    )


def test_text_from_a_device_is_shown_as_text(centre: Harness) -> None:
    device = centre.enrol("dev-ann-1", technician="ann")
    device.record("record_repair", {**REPAIR, "notes": "<script>alert(1)</script>"})
    device.push()
    with centre.services.storage.write() as connection:
        devices.report_versions(
            connection,
            "dev-ann-1",
            name="<img src=x onerror=alert(2)>",
            client_version="<b>1.0</b>",
            refused_updates='["<script>alert(3)</script>"]',
        )
    sign_in(centre.http, "sam")

    for path in ("/console/fleet", "/console/devices/dev-ann-1"):
        page = centre.http.get(path).text
        assert "<img src=x" not in page and "<b>1.0</b>" not in page
        assert "<script>alert" not in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    device_page = centre.http.get("/console/devices/dev-ann-1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in device_page


def test_a_device_s_page_lists_its_hand_overs(centre: Harness) -> None:
    centre.enrol("dev-ann-1", technician="ann")
    with centre.services.storage.write() as connection:
        devices.revoke(connection, "dev-ann-1", at=centre.clock(), reason="lost bag")
    centre.services.enrolment.issue_handover(
        "dev-ann-1", expires_in=timedelta(hours=2), actor="sam"
    )
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/devices/dev-ann-1").text

    assert 'id="device-state">revoked' in page and "lost bag" in page
    (handover,) = rows_of(page, "handovers-table")
    assert "lost bag" in handover and "sam" in handover and "not yet" in handover


def test_the_fleet_says_how_far_the_newest_release_has_come(centre: Harness) -> None:
    centre.enrol("dev-ann-1", technician="ann")
    centre.enrol("dev-bob-1", technician="bob")
    made = centre.clock()
    with centre.services.storage.write() as connection:
        releases.add_release(
            connection,
            releases.Release(
                release_id=1,
                name="spring",
                model_name="m.gguf",
                model_sha256="a" * 64,
                policy_version=1,
                policy_sha256="b" * 64,
                kb_version=2,
                kb_sha256="c" * 64,
                app_version="1.0",
                created_at=made,
                created_by="sam",
            ),
        )
        releases.set_running(connection, "dev-ann-1", 1, at=made + timedelta(hours=1))
    sign_in(centre.http, "sam")

    half = centre.http.get("/console/fleet").text
    with centre.services.storage.write() as connection:
        releases.set_running(connection, "dev-bob-1", 1, at=made + timedelta(hours=3))
    whole = centre.http.get("/console/fleet").text

    assert "Newest release 1 (spring)" in half
    assert "1 of 2 active devices run it." in half
    assert "1 (spring)" in rows_of(half, "fleet-table")[0]
    assert "all 2 active devices run it; the last converged 3 h 0 min after" in whole
