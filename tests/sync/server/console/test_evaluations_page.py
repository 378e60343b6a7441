"""The evaluation reports pages: reports uploaded by devices, judged by the
gate as it stands, page by page; one report's checks per threshold, figures
per kind and failing cases; text from devices shown as text."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sync.server.console.release_views import page_of
from sync.server.gate_config import set_gate_value
from tests.sync.server.console.support import sign_in
from tests.sync.server.gate_support import report_document
from tests.sync.server.support import Harness

PATH = "/v1/evaluation-reports"
SCRIPT = "<script>alert(1)</script>"


def document(**changes: Any) -> dict[str, Any]:
    base = report_document(
        model_sha256="a" * 64, policy="b" * 64, kb="c" * 64, app="1.0"
    )
    return {**base, **changes}


def failing_document() -> dict[str, Any]:
    figures = {
        "question": {
            "hit_at_1": 0.5,
            "hit_at_5": 1.0,
            "facts_found": 1.0,
            "must_not_say_violations": 0,
        },
        "photo": {"recall": 1.0, "precision": 1.0},
        "policy": {"matches": 1, "mismatches": 0},
        "injection": {"escapes": 0},
    }
    cases = [
        {"id": "q-pressure", "kind": "question", "passed": False,
         "problems": [f"said {SCRIPT} instead of E-42"]},
        {"id": "q-flow", "kind": "question", "passed": True, "problems": []},
        {"id": f"photo-{SCRIPT}", "kind": "photo", "passed": False,
         "problems": ["missed the serial"]},
    ]  # fmt: skip
    suite = {**document()["suite"], "name": f"Depot {SCRIPT}"}
    return document(figures=figures, cases=cases, suite=suite)


def upload(centre: Harness, body: dict[str, Any], device_id: str) -> int:
    device = centre.enrol(device_id, technician="ann")
    reply = device.post(PATH, json.dumps(body).encode())
    assert reply.status_code == 200, reply.text
    report_id: int = reply.json()["report_id"]
    return report_id


def signed_in(centre: Harness, who: str = "ada") -> None:
    assert sign_in(centre.http, who).status_code == 303


def get(centre: Harness, path: str) -> httpx.Response:
    response: httpx.Response = centre.http.get(path)
    return response


def test_the_reports_page_without_reports_says_so_and_shows_the_thresholds(
    centre: Harness,
) -> None:
    signed_in(centre)

    page = get(centre, "/console/evaluations")

    assert page.status_code == 200 and 'id="reports-empty"' in page.text
    assert 'id="gate-thresholds"' in page.text and "min_hit_at_1" in page.text
    assert 'id="reports-older"' not in page.text


def test_reports_are_listed_newest_first_with_the_gate_as_it_stands(
    centre: Harness,
) -> None:
    passing = upload(centre, document(), "dev-depot-01")
    failing = upload(centre, failing_document(), "dev-depot-02")
    signed_in(centre)

    page = get(centre, "/console/evaluations")

    assert page.text.index(f'id="report-row-{failing}"') < page.text.index(
        f'id="report-row-{passing}"'
    )
    assert "question hit@1 0.500 (needs at least 0.850)" in page.text
    assert SCRIPT not in page.text and "Depot &lt;script&gt;" in page.text
    # The thresholds are read as they stand: lowered, the report passes.
    set_gate_value(centre.services.settings.data_dir, "min_hit_at_1", "0.5")
    again = get(centre, "/console/evaluations")
    assert "(set here)" in again.text and "hit@1 0.500" not in again.text


def test_the_reports_come_in_pages_of_twenty_by_number(centre: Harness) -> None:
    ids = [
        upload(
            centre, document(created_at=f"2026-05-04T10:{n:02d}:00Z"), f"dev-{n:03d}"
        )
        for n in range(21)
    ]
    signed_in(centre)

    first = get(centre, "/console/evaluations")
    older = get(centre, f"/console/evaluations?before={ids[1]}")

    assert f'id="report-row-{ids[-1]}"' in first.text
    assert f'id="report-row-{ids[0]}"' not in first.text
    assert f'href="?before={ids[1]}"' in first.text
    assert f'id="report-row-{ids[0]}"' in older.text
    assert 'id="reports-older"' not in older.text
    assert get(centre, "/console/evaluations?before=x").status_code == 422


def test_a_report_page_shows_each_threshold_figures_per_kind_and_failures(
    centre: Harness,
) -> None:
    report_id = upload(centre, failing_document(), "dev-depot-01")
    signed_in(centre)

    page = get(centre, f"/console/evaluations/{report_id}")

    assert page.status_code == 200 and "fails the gate" in page.text
    assert 'id="evaluation-checks"' in page.text and "FAILS" in page.text
    assert 'id="figures-question"' in page.text and 'id="figures-photo"' in page.text
    assert "(2 cases, 1 failed)" in page.text
    assert "2 failing cases" in page.text and "q-pressure" in page.text
    assert SCRIPT not in page.text
    assert "said &lt;script&gt;alert(1)&lt;/script&gt; instead of E-42" in page.text
    photos = get(centre, f"/console/evaluations/{report_id}?kind=photo")
    assert "1 failing case of kind photo" in photos.text
    assert "q-pressure" not in photos.text and "missed the serial" in photos.text


def test_an_unknown_report_is_not_found(centre: Harness) -> None:
    signed_in(centre)

    missing = get(centre, "/console/evaluations/42")
    bad = get(centre, "/console/evaluations/abc")

    assert missing.status_code == 404
    assert "No evaluation report is numbered 42" in missing.text
    assert bad.status_code == 422


def test_the_pages_need_a_session(centre: Harness) -> None:
    for path in ("/console/evaluations", "/console/evaluations/1"):
        response = centre.http.get(path, follow_redirects=False)
        assert response.status_code == 303


def test_a_page_past_the_end_is_the_last_one() -> None:
    items = list(range(250))

    page = page_of(items, 9, 100)

    assert (page.number, page.pages, page.total) == (3, 3, 250)
    assert list(page.items) == list(range(200, 250))
    assert (page.previous, page.next) == (2, None)
