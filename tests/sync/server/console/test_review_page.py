"""The review queue in the console: filters in the URL, one action's page,
approving and rejecting one or many through a confirmation page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from sync.server.storage.audit import events
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.support import BIG_ORDER, FieldDevice, Harness

SCRIPT = '<script>alert("x")</script>'


def targets(page: httpx.Response) -> list[str]:
    return [
        html.unescape(v)
        for v in re.findall(r'name="target" value="([^"]+)"', page.text)
    ]


def held(centre: Harness, device: FieldDevice, count: int) -> list[str]:
    keys = [device.record("order_part", BIG_ORDER) for _ in range(count)]
    assert device.push().status_code == 200
    return keys


def test_bulk_approval_of_two_actions_reaches_the_device_at_its_next_pull(
    centre: Harness,
) -> None:
    device = centre.enrol()
    first, second, third = held(centre, device, 3)
    sign_in(centre.http, "sam")
    queue = centre.http.get("/console/review")
    chosen = [t for t in targets(queue) if t.endswith((first, second))]

    confirm = post_form(
        centre.http,
        "/console/review/confirm",
        form_token(queue),
        scope="selected",
        target=chosen,
        verdict="approve",
        verdict_reason="urgent job",
    )
    assert confirm.status_code == 200
    assert "Approve 2 actions?" in confirm.text
    assert first[:8] in confirm.text and third[:8] not in confirm.text
    assert len(centre.services.review.pending()) == 3  # nothing done yet

    done = post_form(
        centre.http,
        "/console/review/decide",
        form_token(confirm),
        verdict="approve",
        verdict_reason="urgent job",
        target=targets(confirm),
    )

    assert done.status_code == 200
    assert "Approved 2; 0 skipped" in done.text
    results = device.pull(results_after=3).json()["results"]
    assert {(r["key"], r["status"]) for r in results} == {
        (first, "applied"),
        (second, "applied"),
    }
    assert {r["reason"] for r in results} == {"Approved by sam: urgent job"}
    with centre.services.storage.read() as connection:
        recorded = [e for e in events(connection) if e.event == "review_approved"]
    assert {e.actor for e in recorded} == {"supervisor:sam"}
    assert [i.key for i in centre.services.review.pending()] == [third]


def test_an_action_decided_meanwhile_is_skipped_and_counted(centre: Harness) -> None:
    device = centre.enrol()
    first, second = held(centre, device, 2)
    sign_in(centre.http, "sam")
    queue = centre.http.get("/console/review")
    confirm = post_form(
        centre.http,
        "/console/review/confirm",
        form_token(queue),
        scope="selected",
        target=targets(queue),
        verdict="reject",
        verdict_reason="order from stock",
    )
    assert "Reject 2 actions?" in confirm.text
    centre.services.review.reject(first, supervisor="kim", reason="no")

    done = post_form(
        centre.http,
        "/console/review/decide",
        form_token(confirm),
        verdict="reject",
        verdict_reason="order from stock",
        target=targets(confirm),
    )

    assert "Rejected 1; 1 skipped because someone else decided it" in done.text
    assert first in done.text


def test_a_rejection_without_a_reason_is_refused_before_anything_is_done(
    centre: Harness,
) -> None:
    device = centre.enrol()
    (key,) = held(centre, device, 1)
    sign_in(centre.http, "sam")
    queue = centre.http.get("/console/review")

    response = post_form(
        centre.http,
        "/console/review/confirm",
        form_token(queue),
        scope="all",
        verdict="reject",
        verdict_reason="  ",
    )

    assert response.status_code == 422 and "A rejection needs a reason" in response.text
    assert [i.key for i in centre.services.review.pending()] == [key]


def test_filters_are_in_the_url_and_all_matching_means_only_those(
    centre: Harness,
) -> None:
    ann = centre.enrol()
    bob = centre.enrol("dev-test-0002", technician="bob")
    (old,) = held(centre, ann, 1)
    centre.clock.advance(timedelta(hours=5))
    (new,) = held(centre, ann, 1)
    (bobs,) = held(centre, bob, 1)
    sign_in(centre.http, "sam")

    by_bob = centre.http.get("/console/review?technician=bob")
    older = centre.http.get("/console/review?older_than_hours=4")
    queue = centre.http.get("/console/review?technician=ann&older_than_hours=4")
    confirm = post_form(
        centre.http,
        "/console/review/confirm?technician=ann&older_than_hours=4",
        form_token(queue),
        scope="all",
        verdict="approve",
    )

    assert bobs[:8] in by_bob.text and new[:8] not in by_bob.text
    assert old[:8] in older.text and new[:8] not in older.text
    assert bobs[:8] not in older.text
    assert 'value="4"' in queue.text  # the filter stays filled in
    assert old[:8] in confirm.text and new[:8] not in confirm.text
    assert bobs[:8] not in confirm.text
    assert "Approve all 1 action?" in confirm.text
    assert 'name="expected" value="1"' in confirm.text
    assert 'action="/console/review/decide?technician=ann&amp;older' in confirm.text

    done = post_form(
        centre.http,
        "/console/review/decide?technician=ann&older_than_hours=4",
        form_token(confirm),
        scope="all",
        expected="1",
        verdict="approve",
    )

    assert "Approved 1; 0 skipped" in done.text
    left = {i.key for i in centre.services.review.pending()}
    assert left == {new, bobs}


def test_a_filter_that_is_not_a_number_of_hours_says_so(centre: Harness) -> None:
    sign_in(centre.http, "sam")

    response = centre.http.get("/console/review?older_than_hours=soon")

    assert response.status_code == 422
    assert "must be a number of hours" in response.text


def test_text_from_a_device_is_shown_escaped(centre: Harness) -> None:
    device = centre.enrol()
    order = {**BIG_ORDER, "part_number": SCRIPT}
    key = device.record("order_part", order)
    device.push()
    with centre.services.storage.write() as connection:  # a reason quoting a device
        connection.exec_driver_sql(
            "UPDATE actions SET reason = ?, evidence = ? WHERE key = ?",
            (f"held: {SCRIPT}", '{"ocr_text": "<img src=x onerror=alert(1)>"}', key),
        )
    sign_in(centre.http, "sam")

    queue = centre.http.get("/console/review")
    detail = centre.http.get(f"/console/review/{key}")

    for page in (queue, detail):
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(" in page.text
    assert "<img src=x" not in detail.text and "&lt;img src=x" in detail.text


def test_an_action_s_page_shows_evidence_and_both_decisions(centre: Harness) -> None:
    device = centre.enrol()
    (key,) = held(centre, device, 1)
    with centre.services.storage.write() as connection:
        connection.exec_driver_sql(
            "UPDATE actions SET evidence = ? WHERE key = ?",
            (
                '{"kb_version": "7", "codes_read": [{"code": "E-42", '
                '"confidence": 0.93}], "cited_chunks": [{"chunk_id": "c-9", '
                '"text": "Replace the pump seal."}]}',
                key,
            ),
        )
    sign_in(centre.http, "sam")

    page = centre.http.get(f"/console/review/{key[:8]}")

    assert page.status_code == 200 and key in page.text
    assert "The device decided" in page.text and "The centre decided" in page.text
    assert "approve (policy v1)" in page.text
    assert "E-42" in page.text and "0.93" in page.text
    assert "Replace the pump seal." in page.text and "kb_version" in page.text
    assert 'id="detail-decide-form"' in page.text


def test_an_unknown_action_gets_a_page_saying_so(centre: Harness) -> None:
    sign_in(centre.http, "sam")

    response = centre.http.get("/console/review/abcdef123456")

    assert response.status_code == 404 and "No action abcdef123456" in response.text
