"""The kill switches page: the switches on, throwing and resetting one after
a confirmation that says what will stop, supervisors only, audited."""

from __future__ import annotations

import re

from sync.server.fleet_state import switches_on
from sync.server.storage.audit import events
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.support import Harness

THROW = {
    "change": "throw",
    "scope": "technician",
    "target": "ann",
    "reason": "<b>recall</b> of the seal kits",
}


def on(centre: Harness) -> list[tuple[str, str]]:
    return [(s.scope, s.target) for s in switches_on(centre.services.storage)]


def test_a_supervisor_throws_a_technician_s_switch_after_seeing_what_stops(
    centre: Harness,
) -> None:
    ann = centre.enrol("dev-ann-1", technician="ann")
    centre.enrol("dev-ann-2", technician="ann")
    bob = centre.enrol("dev-bob-1", technician="bob")
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get("/console/kill-switches"))

    asked = post_form(centre.http, "/console/kill-switches/confirm", token, **THROW)

    assert asked.status_code == 200
    assert (
        "Every device of technician ann: 2 devices will refuse new actions at "
        "their next sync." in asked.text
    )
    assert "&lt;b&gt;recall&lt;/b&gt;" in asked.text and "<b>recall" not in asked.text
    assert on(centre) == []  # nothing happens before the confirmation

    done = post_form(centre.http, "/console/kill-switches/change", token, **THROW)

    assert done.status_code == 200 and "thrown" in done.text
    assert on(centre) == [("technician", "ann")]
    assert ann.pull().json()["kill_switch"]["agent"] is True
    assert bob.pull().json()["kill_switch"]["agent"] is False
    with centre.services.storage.read() as connection:
        event = events(connection)[-1]
    assert (event.actor, event.event) == ("supervisor:sam", "kill_switch")
    assert event.detail == {
        "scope": "technician",
        "target": "ann",
        "enabled": True,
        "reason": THROW["reason"],
    }
    (row,) = re.findall(
        r"<tr>(.*?)</tr>", centre.http.get("/console/kill-switches").text, re.S
    )[1:]
    assert "technician ann" in row and "2 devices" in row and "supervisor:sam" in row


def test_a_switch_is_reset_from_its_row_after_a_confirmation(centre: Harness) -> None:
    device = centre.enrol("dev-ann-1", technician="ann")
    centre.publisher.kill_switch(
        "tool", "order_part", enabled=True, reason="recall", actor="supervisor:sam"
    )
    sign_in(centre.http, "sam")
    page = centre.http.get("/console/kill-switches")
    form = page.text.split('id="reset-form-1"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))

    token = fields.pop("csrf_token")

    asked = post_form(centre.http, "/console/kill-switches/confirm", token, **fields)
    assert "The tool order_part: 1 device may use it again from their next sync." in (
        asked.text
    )
    assert on(centre) == [("tool", "order_part")]
    post_form(centre.http, "/console/kill-switches/change", token, **fields)

    assert on(centre) == []
    assert device.pull().json()["kill_switch"]["tools"] == []
    assert "No kill switch is on" in centre.http.get("/console/kill-switches").text


def test_throwing_needs_a_reason_and_a_target(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get("/console/kill-switches"))

    silent = post_form(
        centre.http, "/console/kill-switches/confirm", token, **{**THROW, "reason": ""}
    )
    unnamed = post_form(
        centre.http, "/console/kill-switches/change", token, **{**THROW, "target": ""}
    )

    assert silent.status_code == 422 and "needs a reason" in silent.text
    assert unnamed.status_code == 422 and "Name the technician" in unnamed.text
    assert on(centre) == []


def test_the_fleet_switch_names_no_target(centre: Harness) -> None:
    centre.enrol("dev-ann-1", technician="ann")
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get("/console/kill-switches"))
    fleet = {**THROW, "scope": "fleet", "target": "ignored"}

    asked = post_form(centre.http, "/console/kill-switches/confirm", token, **fleet)
    post_form(centre.http, "/console/kill-switches/change", token, **fleet)

    assert "The whole fleet: 1 device will refuse new actions" in asked.text
    assert on(centre) == [("fleet", "")]


def test_a_switch_that_reaches_no_device_says_so(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get("/console/kill-switches"))
    typo = {**THROW, "target": "anne"}

    asked = post_form(centre.http, "/console/kill-switches/confirm", token, **typo)

    assert "Every device of technician anne: no enrolled device" in asked.text
    assert "check the name" in asked.text


def test_an_auditor_sees_the_switches_but_cannot_change_them(centre: Harness) -> None:
    centre.publisher.kill_switch(
        "device", "dev-x", enabled=True, reason="lost", actor="supervisor:sam"
    )
    sign_in(centre.http, "ada")
    page = centre.http.get("/console/kill-switches")
    token = form_token(page)  # the sign-out form's

    assert page.status_code == 200 and "device dev-x" in page.text
    assert 'id="throw-form"' not in page.text and "reset-form" not in page.text
    for step in ("confirm", "change"):
        refused = post_form(
            centre.http, f"/console/kill-switches/{step}", token, **THROW
        )
        assert refused.status_code == 403 and "auditor" in refused.text
    assert on(centre) == [("device", "dev-x")]


def test_a_change_without_the_form_s_token_is_refused(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    refused = post_form(centre.http, "/console/kill-switches/change", "forged", **THROW)
    assert refused.status_code == 403 and "security token" in refused.text
    assert on(centre) == []


def test_no_switch_on_reads_as_such(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    page = centre.http.get("/console/kill-switches")
    assert 'id="switches-empty"' in page.text and 'id="throw-form"' in page.text
