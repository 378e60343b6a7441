"""The shift report page: the command line's report per technician and
shift, with a plot drawn on the server, printable, filtered in the URL."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

from sync.server.console import charts
from sync.server.console.charts import Series, inline_svg, stacked_bars
from sync.server.report import build_report, technician_page
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.journal_support import deny, send
from tests.sync.server.support import (
    BIG_ORDER,
    REPAIR,
    SMALL_ORDER,
    FieldDevice,
    Harness,
)

SCRIPT = '<script>alert("x")</script>'


def a_shift(centre: Harness) -> tuple[FieldDevice, FieldDevice]:
    """ann: one repair applied, one big order held for review and approved,
    one order denied on the device; bob: a small order applied."""
    ann, bob = centre.enrol("dev-ann", "ann"), centre.enrol("dev-bob", "bob")
    ann.record("record_repair", REPAIR)
    ann.record("order_part", BIG_ORDER)
    deny(ann, f"quantity above 50 {SCRIPT}")
    bob.record("order_part", SMALL_ORDER)
    for device in (ann, bob):
        assert device.push().status_code == 200
        send(centre, device)
    (held,) = centre.services.review.pending()
    centre.services.review.resolve_each(
        [(held.device_id, held.key)], "applied", supervisor="sam", reason="ok"
    )
    return ann, bob


def test_the_report_needs_a_session(centre: Harness) -> None:
    response = centre.http.get("/console/report", follow_redirects=False)
    assert response.status_code == 303


def test_an_empty_period_says_so(centre: Harness) -> None:
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/report")

    assert page.status_code == 200
    assert 'id="report-empty"' in page.text
    assert 'id="nav-report" href="/console/report" aria-current="page"' in page.text


def test_the_report_shows_each_technician_s_shifts_with_a_plot(
    centre: Harness,
) -> None:
    a_shift(centre)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/report")

    assert page.status_code == 200
    ann = page.text.index('id="technician-1-name">ann')
    bob = page.text.index('id="technician-2-name">bob')
    assert ann < bob
    ann_part = page.text[ann:bob]
    assert "2 actions taken offline, 1 denied on the device" in ann_part
    assert "2 applied" in ann_part and "sam" in ann_part  # the approval
    assert "<svg" in ann_part and 'aria-label="Actions per shift' in ann_part
    assert 'id="chart-1-figure_1"' in ann_part  # ids kept apart per plot
    assert 'id="chart-2-figure_1"' in page.text[bob:]


def test_the_technician_and_period_come_from_the_url(centre: Harness) -> None:
    a_shift(centre)
    sign_in(centre.http, "ada")
    day = centre.clock.now.date()

    only_bob = centre.http.get(f"/console/report?technician=bob&since={day}")
    later = centre.http.get(f"/console/report?since={day + timedelta(days=1)}")
    until = centre.http.get(f"/console/report?until={day - timedelta(days=1)}")
    backwards = centre.http.get(f"/console/report?since={day}&until=2000-01-01")
    wrong = centre.http.get("/console/report?since=monday")

    assert ">bob" in only_bob.text and ">ann" not in only_bob.text
    assert 'value="bob"' in only_bob.text
    assert 'id="report-empty"' in later.text and 'id="report-empty"' in until.text
    assert backwards.status_code == 422 and "ends before it starts" in backwards.text
    assert wrong.status_code == 422 and "2026-03-02" in wrong.text


def test_text_from_a_device_is_shown_as_text(centre: Harness) -> None:
    a_shift(centre)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/report?technician=ann")

    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_the_page_prints_a_technician_a_page_without_the_navigation(
    centre: Harness,
) -> None:
    css = centre.http.get("/console/static/console.css").text
    printing = css[css.index("@media print") :]

    assert ".bar, form" in printing  # the navigation and forms stay off paper
    assert ".technician { break-before: page;" in css


def test_the_report_is_read_only(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    page = centre.http.get("/console/report")

    response = post_form(centre.http, "/console/report", form_token(page))

    assert response.status_code == 405
    forms = re.findall(r'<form method="(\w+)"[^>]*id="([\w-]+)"', page.text)
    assert forms == [("post", "sign-out-form"), ("get", "report-form")]


def test_a_plot_carries_no_inline_style_script_or_comment() -> None:
    svg = str(
        stacked_bars(
            "p",
            "ann $x$ --> <b>",
            ["2026-03-02", "<i>$"],
            [Series("applied", (1, 2)), Series("denied on the device", (0, 1))],
        )
    )

    assert svg.startswith('<svg role="img" aria-label="ann $x$ --&gt; &lt;b&gt;"')
    assert "style=" not in svg and "<style" not in svg and "<!--" not in svg
    assert "<script" not in svg and "<i>" not in svg
    assert 'fill="#1a7f37"' in svg  # the style became a presentation attribute
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("p-") for i in ids)
    assert all(ref.startswith("p-") for ref in re.findall(r"url\(#([^)]+)\)", svg))


def test_an_inline_svg_keeps_only_plain_properties() -> None:
    svg = inline_svg(
        '<?xml version="1.0"?>\n<svg width="1"><path style="fill: #fff; '
        'x: url(&quot;y&quot;); stroke-width: 0.8" id="a"/></svg>',
        "q",
        "t",
    )

    assert '<path fill="#fff" stroke-width="0.8" id="q-a"/>' in svg


def test_the_report_shows_technicians_a_few_at_a_time(centre: Harness) -> None:
    for n in range(6):
        device = centre.enrol(f"dev-{n}", f"tech-{n}")
        deny(device, "quantity above 50")
        send(centre, device)
    sign_in(centre.http, "ada")

    first = centre.http.get("/console/report")
    link = re.search(r'href="/console/report\?([^"]+)" id="report-next"', first.text)
    assert link, "no link to the next technicians"
    second = centre.http.get("/console/report?" + link.group(1).replace("&amp;", "&"))

    assert [f"tech-{n}" for n in range(5)] == re.findall(
        r'-name">(tech-\d)', first.text
    )
    assert re.findall(r'-name">(tech-\d)', second.text) == ["tech-5"]
    assert 'id="report-next"' not in second.text
    assert 'id="report-first"' in second.text


def test_each_shift_has_an_id_of_its_own(centre: Harness) -> None:
    a_shift(centre)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/report").text

    ids = re.findall(r'<article class="shift" id="([^"]+)"', page)
    assert ids == ["shift-1-1", "shift-2-1"]


def test_the_page_s_technicians_are_chosen_first_and_counted(centre: Harness) -> None:
    a_shift(centre)
    for n in range(6):
        device = centre.enrol(f"dev-{n}", f"tech-{n}")
        device.record("record_repair", REPAIR)
        assert device.push().status_code == 200
    since, until = centre.clock.now - timedelta(days=1), centre.clock.now
    storage = centre.services.storage

    first = technician_page(storage, since=since, until=until, limit=5)
    second = technician_page(
        storage, since=since, until=until, after=first.next_after or "", limit=5
    )
    only = technician_page(storage, technician_id="bob", since=since, limit=5)

    assert first.technicians == ("ann", "bob", "tech-0", "tech-1", "tech-2")
    assert second.technicians == ("tech-3", "tech-4", "tech-5")
    assert (first.total, second.total, second.next_after) == (8, 8, None)
    assert (only.technicians, only.total) == (("bob",), 1)


def test_the_figures_of_the_page_s_technicians_are_those_of_the_whole_report(
    centre: Harness,
) -> None:
    a_shift(centre)
    since = centre.clock.now - timedelta(days=1)
    until = centre.clock.now + timedelta(minutes=1)
    storage = centre.services.storage
    whole = build_report(storage, since=since, until=until)

    for names in (["ann"], ["bob"], ["ann", "bob"]):
        chosen = build_report(storage, technician_ids=names, since=since, until=until)
        assert [r.as_dict() for r in chosen] == [
            r.as_dict() for r in whole if r.technician_id in names
        ]
    ann = [r.as_dict() for r in whole if r.technician_id == "ann"]
    assert ann[0]["denied_on_device"][0]["count"] == 1 and ann[0]["reviews"]


def test_the_page_says_how_many_technicians_the_period_has(centre: Harness) -> None:
    a_shift(centre)
    sign_in(centre.http, "ada")

    page = centre.http.get("/console/report")

    assert "2 technicians in this period; shown: 2, ann to bob" in page.text


def test_warming_the_charts_loads_what_drawing_takes() -> None:
    charts.warm()

    assert "matplotlib.figure" in sys.modules
    assert "matplotlib.backends.backend_agg" in sys.modules
