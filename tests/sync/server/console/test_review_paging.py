"""The review queue's pages in the console: a hundred actions a page with
the true count, links to the next and first page, and "all matching the
filter" confirmed by its count and decided over every page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from sync.server.review import PAGE_SIZE
from sync.server.storage.audit import events
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.queue_support import hold
from tests.sync.server.support import Harness

HELD = PAGE_SIZE + 20


def held_many(centre: Harness) -> list[str]:
    device = centre.enrol()
    times = [centre.clock.now - timedelta(minutes=n) for n in range(HELD, 0, -1)]
    return hold(centre.services.storage, device.device_id, "ann", times)


def shown(page: httpx.Response) -> list[str]:
    return re.findall(r'class="action-link" id="action-\d+"><code>(\w+)<', page.text)


def link(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'href="([^"]+)" id="{element_id}"', page.text)
    assert found, f"no #{element_id}"
    return html.unescape(found.group(1))


def test_the_queue_comes_in_pages_with_the_true_count(centre: Harness) -> None:
    keys = held_many(centre)
    sign_in(centre.http, "sam")

    first = centre.http.get("/console/review")
    second = centre.http.get(link(first, "queue-next"))

    assert f"{HELD} quarantined actions, oldest first; {PAGE_SIZE} on this page" in (
        first.text
    )
    assert f"All {HELD} in the queue (every page)" in first.text
    assert shown(first) + shown(second) == [k[:8] for k in keys]
    assert 'id="queue-first"' not in first.text
    assert 'id="queue-next"' not in second.text
    assert link(second, "queue-first") == "/console/review"
    assert f"{HELD} quarantined actions" in second.text


def test_the_next_page_keeps_the_filter(centre: Harness) -> None:
    keys = held_many(centre)
    sign_in(centre.http, "sam")

    first = centre.http.get("/console/review?tool=order_part")
    after = link(first, "queue-next")
    second = centre.http.get(after)

    assert "tool=order_part" in after
    assert "matching the filter" in second.text
    assert len(shown(second)) == HELD - PAGE_SIZE
    assert link(second, "queue-first") == "/console/review?tool=order_part"
    assert shown(second)[-1] == keys[-1][:8]


def test_a_page_address_that_names_no_place_is_refused(centre: Harness) -> None:
    sign_in(centre.http, "sam")

    response = centre.http.get("/console/review?after=yesterday")

    assert response.status_code == 422
    assert "names no place in the queue" in response.text


def test_all_matching_is_confirmed_by_count_and_decided_over_every_page(
    centre: Harness,
) -> None:
    held_many(centre)
    sign_in(centre.http, "sam")
    queue = centre.http.get("/console/review")

    confirm = post_form(
        centre.http,
        "/console/review/confirm",
        form_token(queue),
        scope="all",
        verdict="approve",
        verdict_reason="",
    )
    assert f"Approve all {HELD} actions?" in confirm.text
    assert f"the first {PAGE_SIZE} are listed" in confirm.text
    assert len(re.findall(r"<tr><td><code>", confirm.text)) == PAGE_SIZE
    assert 'name="target"' not in confirm.text
    assert centre.services.review.count() == HELD  # nothing done yet

    done = post_form(
        centre.http,
        "/console/review/decide",
        form_token(confirm),
        scope="all",
        expected=str(HELD),
        verdict="approve",
        verdict_reason="",
    )

    assert f"Approved {HELD}; 0 skipped" in done.text
    assert centre.services.review.count() == 0
    with centre.services.storage.read() as connection:
        approved = [e for e in events(connection) if e.event == "review_approved"]
    assert len(approved) == HELD and {e.actor for e in approved} == {"supervisor:sam"}


def test_all_matching_is_refused_when_the_queue_changed_after_confirming(
    centre: Harness,
) -> None:
    keys = held_many(centre)
    sign_in(centre.http, "sam")
    queue = centre.http.get("/console/review")
    confirm = post_form(
        centre.http,
        "/console/review/confirm",
        form_token(queue),
        scope="all",
        verdict="reject",
        verdict_reason="stock",
    )
    centre.services.review.approve(keys[0], supervisor="kim")

    done = post_form(
        centre.http,
        "/console/review/decide",
        form_token(confirm),
        scope="all",
        expected=str(HELD),
        verdict="reject",
        verdict_reason="stock",
    )

    assert done.status_code == 409
    assert f"selects {HELD - 1} quarantined action(s), not the {HELD}" in done.text
    assert centre.services.review.count() == HELD - 1  # nothing decided


def test_an_auditor_pages_the_queue_without_forms(centre: Harness) -> None:
    held_many(centre)
    sign_in(centre.http, "ada")

    first = centre.http.get("/console/review")
    second = centre.http.get(link(first, "queue-next"))

    for page in (first, second):
        assert 'id="decide-form"' not in page.text
        assert 'id="scope-all"' not in page.text
    assert len(shown(second)) == HELD - PAGE_SIZE
