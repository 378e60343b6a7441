"""The drift page: the report for a period in the address, alerts first, the
plots as images of their own address, the figures per week and release, the
questions that found nothing with links to their turns and as a download of
the suite file ``drift unanswered --out`` writes; kept a minute."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from sync.server.__main__ import main
from sync.server.storage.releases import Release, add_release
from tests.sync.server.console.support import sign_in
from tests.sync.server.drift.field_turns import MONDAY, SHA, Fleet, ask, propose
from tests.sync.server.support import Harness

PERIOD = "since=2026-02-23&weeks=4"
SCRIPT = "<script>alert(1)</script> where is the <b>bleed</b> valve"
WEEK = timedelta(days=7)


def _release(release_id: int, name: str, policy: int) -> Release:
    return Release(
        release_id=release_id,
        name=name,
        model_name="m.gguf",
        model_sha256=SHA if release_id == 1 else "ef" * 32,
        policy_version=policy,
        policy_sha256="p" * 64,
        kb_version=release_id,
        kb_sha256="k" * 64,
        app_version="0.1.0",
        created_at=MONDAY - WEEK,
        created_by="sam",
    )


@pytest.fixture
def fleet(centre: Harness) -> Fleet:
    """Two weeks of one device's turns at the console's centre: in the first
    (release r1) half the questions found nothing, one of them in HTML; in
    the second the device runs r2. Alerts count from one turn a week.

    Why: the page is read against the centre's real report on real storage,
    and the clock stands two weeks on so the last weeks hold both.
    """
    storage = centre.services.storage
    with storage.write() as connection:
        add_release(connection, _release(1, "r1", 3))
        add_release(connection, _release(2, "r2", 4))
    data = centre.services.settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    (data / "drift.toml").write_text("min_turns = 1\n", encoding="utf-8")
    fleet = Fleet(storage)
    fleet.device("d1")
    at = MONDAY + timedelta(hours=8)
    fleet.send(
        "d1",
        [
            ask("t1", at, "where is the drain plug on the DG-60", "not_found"),
            ask("t2", at, "drain plug location dg-60", "not_found"),
            ask("t3", at, "E-42", "code_lookup", seconds=0.5),
            ask("t4", at, SCRIPT, "not_found"),
            ask("t5", at, "torque for impeller nut", "retrieval", kept=2),
            ask("t6", at, "E-17", "code_lookup"),
            propose("t7", at, "deny"),
        ],
        outcomes=[("t7", "deny")],
    )
    fleet.send("d1", [ask("u1", at + WEEK, "the drain plug DG-60 where", "not_found")])
    fleet.runs("d1", 2, MONDAY + WEEK)
    centre.clock.advance(timedelta(days=14))
    return fleet


def get(centre: Harness, path: str) -> httpx.Response:
    response: httpx.Response = centre.http.get(path, follow_redirects=False)
    return response


def signed_in(centre: Harness, who: str = "ada") -> None:
    assert sign_in(centre.http, who).status_code == 303


def test_the_page_shows_alerts_first_then_plots_tables_and_questions(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre)

    page = get(centre, f"/console/drift?{PERIOD}")

    text = page.text
    assert page.status_code == 200 and 'id="nav-drift"' in text
    assert "every release" in text and "<strong>8</strong>" in text
    alert = text[
        text.index('id="drift-alerts"') : text.index(
            "</table>", text.index('id="drift-alerts"')
        )
    ]
    assert "nothing_found_rate" in alert and "2026-W10" in alert
    assert "50.0%" in alert and "at most 25.0%" in alert
    assert "denial_rate" in alert and "100.0%" in alert
    order = ["drift-alerts", "drift-plots", "drift-weeks-table", "drift-releases-table"]
    assert [text.index(f'id="{i}"') for i in order] == sorted(
        text.index(f'id="{i}"') for i in order
    )
    assert 'src="/console/drift/plot/routes.svg?since=2026-02-23&amp;weeks=4"' in text
    assert text.count("<img ") == 3 and "<svg" not in text
    assert 'href="/console/drift?since=2026-02-23&amp;weeks=4&amp;release=r2"' in text
    first_group = text[text.index('id="unanswered-row-1"') :]
    first_group = first_group[: first_group.index("</tr>")]
    assert "<td>3</td>" in first_group and "drain plug location dg-60" in first_group
    assert 'href="/console/turns/t1?device=d1"' in text
    assert 'href="/console/turns/u1?device=d1"' in text
    turn = get(centre, "/console/turns/t1?device=d1")
    assert turn.status_code == 200 and "drain plug on the DG-60" in turn.text
    assert 'id="drift-download"' in text and "Figures computed at" in text
    assert "<style" not in text and " style=" not in text
    assert re.findall(r"<script(?![^>]*\bsrc=)", text) == []


def test_an_auditor_reads_the_page_without_any_form_but_the_filter(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre, "ada")

    page = get(centre, f"/console/drift?{PERIOD}")

    assert page.status_code == 200
    assert page.text.count('method="post"') == 1  # signing out
    assert 'id="drift-filter"' in page.text and 'method="get"' in page.text
    assert centre.http.post("/console/drift", data={}).status_code == 405


def test_a_question_in_html_from_a_device_is_shown_as_text(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre)

    text = get(centre, f"/console/drift?{PERIOD}").text

    assert "<script>alert(1)</script>" not in text and "<b>bleed</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; where is the &lt;b&gt;" in text


def test_the_page_without_turns_says_so_and_draws_nothing(centre: Harness) -> None:
    signed_in(centre, "sam")

    page = get(centre, "/console/drift")

    assert page.status_code == 200 and 'id="drift-empty"' in page.text
    assert 'id="drift-plots"' not in page.text
    assert 'id="drift-download"' not in page.text
    assert 'id="drift-thresholds"' in page.text
    download = get(centre, "/console/drift/unanswered.json")
    assert download.status_code == 404 and "Choose a longer period" in download.text


def test_the_download_is_the_suite_file_drift_unanswered_writes(
    centre: Harness, fleet: Fleet, tmp_path: Path
) -> None:
    signed_in(centre)

    download = get(centre, f"/console/drift/unanswered.json?{PERIOD}")

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"].startswith("attachment;")
    settings = centre.services.settings
    written = tmp_path / "out" / "suite.json"
    code = main(
        [
            "--database-url", settings.database_url,
            "--data-dir", str(settings.data_dir),
            "drift", "unanswered", "--out", str(written),
            "--since", "2026-02-23", "--weeks", "4",
        ]
    )  # fmt: skip
    assert code == 0
    assert download.content == written.read_bytes()
    suite = json.loads(download.content)
    assert suite["suite_version"] == 1 and len(suite["cases"]) == 2
    assert SCRIPT in {case["question"] for case in suite["cases"]}


def test_the_address_chooses_the_period_and_the_release(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre)

    r2 = get(centre, f"/console/drift?{PERIOD}&release=r2").text
    last_week = get(centre, "/console/drift?weeks=1").text
    week_ten = get(centre, "/console/drift?since=2026-03-02&weeks=1").text
    default = get(centre, "/console/drift").text

    assert "release r2" in r2 and "2026-W11" in r2 and "2026-W10" not in r2
    assert 'value="r2"' in r2 and 'id="drift-clear"' in r2
    assert "release=r2" in r2[r2.index('id="drift-download"') - 200 :]
    assert 'id="drift-empty"' in last_week  # this week (W12) has no turn yet
    assert "2026-W10" in week_ten and "2026-W11" not in week_ten
    assert "2026-W10" in default and "2026-W11" in default
    assert 'id="drift-clear"' not in default


@pytest.mark.parametrize(
    "query, named",
    [("weeks=0", "'weeks'"), ("weeks=x", "'weeks'"), ("since=March", "'since'")],
)
def test_a_bad_address_says_what_to_correct(
    centre: Harness, fleet: Fleet, query: str, named: str
) -> None:
    signed_in(centre)

    page = get(centre, f"/console/drift?{query}")

    assert page.status_code == 422 and named in page.text.replace("&#39;", "'")


def test_each_plot_is_an_svg_image_of_the_same_report(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre)

    for name in ("routes", "rates", "cost"):
        plot = get(centre, f"/console/drift/plot/{name}.svg?{PERIOD}")
        assert plot.status_code == 200, name
        assert plot.headers["content-type"] == "image/svg+xml"
        assert plot.text.startswith("<svg") and "2026-W11" in plot.text
        assert "script-src 'self'" in plot.headers["content-security-policy"]
    assert get(centre, f"/console/drift/plot/pie.svg?{PERIOD}").status_code == 404


def test_the_report_is_kept_a_minute_then_computed_again(
    centre: Harness, fleet: Fleet
) -> None:
    signed_in(centre)
    first = get(centre, f"/console/drift?{PERIOD}").text
    fleet.send("d1", [ask("v1", MONDAY + timedelta(hours=9), "E-42", "code_lookup")])

    again = get(centre, f"/console/drift?{PERIOD}").text
    centre.clock.advance(timedelta(seconds=61))
    later = get(centre, f"/console/drift?{PERIOD}").text

    assert "<strong>8</strong>" in first and "<strong>8</strong>" in again
    assert _computed(first) == _computed(again)
    assert "<strong>9</strong>" in later and _computed(later) != _computed(first)


def test_the_questions_that_found_nothing_come_in_pages_of_fifty(
    centre: Harness, fleet: Fleet
) -> None:
    at = MONDAY + timedelta(hours=10)
    fleet.send(
        "d1",
        [ask(f"w{n}", at, f"gasket{n} sprocket{n}", "not_found") for n in range(50)],
    )
    signed_in(centre)

    first = get(centre, f"/console/drift?{PERIOD}").text
    second = get(centre, f"/console/drift?{PERIOD}&page=2").text

    assert "52 groups" in first and 'id="unanswered-row-50"' in first
    assert 'id="unanswered-row-51"' not in first
    assert f'href="?{PERIOD.replace("&", "&amp;")}&amp;page=2"' in first
    assert 'id="unanswered-row-51"' in second and 'id="unanswered-row-52"' in second
    assert 'id="unanswered-row-50"' not in second


def test_without_a_session_every_drift_address_leads_to_sign_in(
    centre: Harness,
) -> None:
    for path in (
        f"/console/drift?{PERIOD}",
        "/console/drift/plot/routes.svg",
        "/console/drift/unanswered.json",
    ):
        response = get(centre, path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/sign-in?next=")


def _computed(page: str) -> str:
    start = page.index('id="drift-computed"')
    return page[start : page.index("</span>", start)]
