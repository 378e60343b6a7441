"""The Decisions & turns pages: the log with filters in the URL, pages of
the latest first, a turn's timeline, text from devices shown as text."""

from __future__ import annotations

import re
from urllib.parse import unquote

from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.journal_support import ask, deny, save, send, span
from tests.sync.server.support import Harness

SCRIPT = '<script>alert("x")</script><b>bold</b>'


def test_the_log_needs_a_session(centre: Harness) -> None:
    for path in ("/console/turns", "/console/decisions", "/console/turns/a1"):
        response = centre.http.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/sign-in?next=")


def test_an_empty_log_says_so(centre: Harness) -> None:
    sign_in(centre.http, "ada")

    turns = centre.http.get("/console/turns")
    decisions = centre.http.get("/console/decisions")

    assert turns.status_code == decisions.status_code == 200
    assert 'id="turns-empty"' in turns.text and "reported yet" in turns.text
    assert 'id="decisions-empty"' in decisions.text
    assert 'id="nav-turns"' in turns.text


def test_turns_show_and_filter_by_the_query_string(centre: Harness) -> None:
    ann, bob = centre.enrol("dev-ann", "ann"), centre.enrol("dev-bob", "bob")
    ask(ann, "a1", "Pump shows E-42 on start", route="code_lookup")
    ask(bob, "b1", "How do I bleed the loop?")
    send(centre, ann)
    send(centre, bob)
    sign_in(centre.http, "ada")

    everything = centre.http.get("/console/turns")
    by_text = centre.http.get("/console/turns?q=e-42")
    by_technician = centre.http.get("/console/turns?technician=bob")
    by_route = centre.http.get("/console/turns?route=code_lookup&kind=ask")
    none = centre.http.get("/console/turns?device=dev-nobody")

    assert "Pump shows E-42" in everything.text and "bleed the loop" in everything.text
    assert "Pump shows E-42" in by_text.text and "bleed" not in by_text.text
    assert "bleed the loop" in by_technician.text and "E-42" not in by_technician.text
    assert "E-42" in by_route.text and "bleed" not in by_route.text
    assert 'id="turns-empty"' in none.text and "match this filter" in none.text
    assert 'value="e-42"' in by_text.text  # the filter stays in the form


def test_a_wrong_date_is_explained_and_nothing_is_lost(centre: Harness) -> None:
    sign_in(centre.http, "ada")

    response = centre.http.get("/console/turns?since=yesterday")

    assert response.status_code == 422
    assert "&#39;From&#39; must be a date such as 2026-03-02" in response.text


def test_the_older_page_goes_on_where_the_first_ended(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    for n in range(51):
        ask(device, f"t-{n:02d}", f"question number {n:02d}")
    send(centre, device)
    sign_in(centre.http, "ada")

    first = centre.http.get("/console/turns?kind=ask")
    link = re.search(r'href="([^"]+)" id="page-next"', first.text)
    assert link, "no next page link"
    older = centre.http.get(unquote(link.group(1)).replace("&amp;", "&"))

    shown = re.findall(r"question number (\d\d)", first.text + older.text)
    assert len(shown) == len(set(shown)) == 51
    assert 'id="page-next"' not in older.text and 'id="page-first"' in older.text
    assert "kind=ask" in link.group(1)  # the filter goes with the page


def test_decisions_show_denials_and_filter_by_outcome(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    deny(device, "quantity above 50")
    send(centre, device)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/decisions?kind=deny&technician=ann")
    allowed = centre.http.get("/console/decisions?kind=allow")

    assert "quantity above 50" in page.text and "order_part" in page.text
    assert 'id="decision-turn-1"' in page.text
    assert 'id="decisions-empty"' in allowed.text


def test_a_turn_s_page_draws_its_steps_as_a_timeline(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    ask(device, "a1", "Pump shows E-42")
    send(centre, device)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/turns/a1?device=dev-ann")

    assert page.status_code == 200
    assert 'id="turn-timeline"' in page.text and "Retrieval" in page.text
    assert 'id="turn-question">Pump shows E-42' in page.text
    assert 'id="turn-route">retrieval' in page.text
    # The model ran from 130 ms to 880 ms of a 900 ms turn.
    assert 'x="14.44" y="0" width="83.33"' in page.text
    assert "edge.sentences_dropped" in page.text
    assert centre.http.get("/console/turns/zz?device=dev-ann").status_code == 404


def test_a_photo_turn_shows_the_codes_read_and_the_correction(
    centre: Harness,
) -> None:
    device = centre.enrol("dev-ann", "ann")
    read = "fault_code E-42 0.93 known; part_number 4471-A20-339 0.61 unknown"
    save(
        device,
        "p1",
        "photo",
        [
            span("root", "invoke_agent", 0, 400, None, edge__turn="photo"),
            span("o1", "edge.ocr", 1, 390, edge__ocr__read=read),
        ],
    )
    save(
        device,
        "c1",
        "correction",
        [
            span("root", "invoke_agent", 0, 10, None, edge__turn="correction"),
            span(
                "o1",
                "edge.ocr",
                1,
                9,
                edge__code__kind="fault_code",
                edge__code__read="E-4Z",
                edge__code__confidence=0.41,
                edge__code__corrected="E-42",
                edge__code__known=True,
            ),
        ],
    )
    send(centre, device)
    sign_in(centre.http, "ada")

    photo = centre.http.get("/console/turns/p1")
    correction = centre.http.get("/console/turns/c1")

    assert 'id="turn-codes"' in photo.text
    assert "<code>4471-A20-339</code></td><td>0.61</td><td>unknown" in photo.text
    assert "<code>E-4Z</code></td><td>0.41</td><td>known</td><td><code>E-42" in (
        correction.text
    )


def test_html_from_a_device_is_shown_as_text(centre: Harness) -> None:
    device = centre.enrol("dev-ann", "ann")
    ask(device, "a1", SCRIPT)
    deny(device, SCRIPT)
    send(centre, device)
    sign_in(centre.http, "ada")

    pages = [
        centre.http.get("/console/turns"),
        centre.http.get("/console/decisions"),
        centre.http.get("/console/turns/a1"),
    ]

    for page in pages:
        assert "<script>alert" not in page.text and "<b>bold" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_the_log_is_read_only_and_takes_no_posts(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get("/console/turns"))

    response = post_form(centre.http, "/console/turns", token)

    assert response.status_code == 405
    page = centre.http.get("/console/turns")
    assert '<form method="post"' not in page.text.replace(
        '<form method="post" action="/console/sign-out"', ""
    )
