"""The releases pages: the history, one release and who runs it, making a
release through the gate or over it with a reason, and rolling back, each
after a confirmation page; auditors read only."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx

from sync.server.releases import release_history, release_state
from sync.server.storage.audit import events
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.gate_support import vouch
from tests.sync.server.support import Harness

MODEL_NAME = "pump-expert.gguf"
MODEL_SHA = "a" * 64
PUMP = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"


def publish_kb(centre: Harness, tmp_path: Path, name: str, text: str = PUMP) -> int:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "pump.md").write_text(text)
    return centre.publisher.publish_kb(folder, actor="test").version


def candidate(name: str, **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "model_name": MODEL_NAME,
        "model_sha256": MODEL_SHA,
        **extra,
    }


def signed_in_page(centre: Harness, who: str = "sam") -> httpx.Response:
    assert sign_in(centre.http, who).status_code == 303
    page = centre.http.get("/console/releases")
    assert page.status_code == 200
    return page


def make_release(centre: Harness, token: str, name: str) -> httpx.Response:
    confirm = post_form(
        centre.http, "/console/releases/create-confirm", token, **candidate(name)
    )
    assert confirm.status_code == 200, confirm.text
    assert 'id="create-confirm-form"' in confirm.text
    done = post_form(centre.http, "/console/releases/create", token, **candidate(name))
    assert done.status_code == 200, done.text
    return done


def audit(centre: Harness, event: str) -> list[object]:
    with centre.services.storage.read() as connection:
        return [e for e in events(connection) if e.event == event]


def test_the_releases_page_without_any_release_offers_the_form(
    centre: Harness,
) -> None:
    page = signed_in_page(centre)

    assert 'id="releases-empty"' in page.text
    assert 'id="create-form"' in page.text and 'id="nav-releases"' in page.text
    assert 'id="rollback-form"' not in page.text  # nothing to roll back to


def test_the_pages_need_a_session(centre: Harness) -> None:
    for path in ("/console/releases", "/console/releases/spring"):
        response = centre.http.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/sign-in?next=")


def test_a_supervisor_makes_a_release_that_passes_the_gate_after_confirming(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    report_id = vouch(centre.services.storage, model_sha256=MODEL_SHA)
    token = form_token(signed_in_page(centre))

    confirm = post_form(
        centre.http, "/console/releases/create-confirm", token, **candidate("spring")
    )

    assert "Passes with" in confirm.text
    assert f'href="/console/evaluations/{report_id}"' in confirm.text
    assert release_history(centre.services.storage).releases == ()  # not yet

    done = post_form(
        centre.http, "/console/releases/create", token, **candidate("spring")
    )

    assert done.status_code == 200 and "Release 1 spring made" in done.text
    state = release_state(centre.services.storage, "spring")
    assert state.release.created_by == "supervisor:sam"
    assert state.gate is not None and state.gate.report_id == report_id
    assert not state.gate.overridden
    (made,) = audit(centre, "release_created")
    assert made.actor == "supervisor:sam"  # type: ignore[attr-defined]
    history = centre.http.get("/console/releases")
    assert 'id="release-link-1"' in history.text
    assert f"passed with report {report_id}" in history.text


def test_the_gate_refuses_a_candidate_without_a_report_and_offers_the_override(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    token = form_token(signed_in_page(centre))

    confirm = post_form(
        centre.http, "/console/releases/create-confirm", token, **candidate("spring")
    )

    assert "The gate refuses this candidate" in confirm.text
    assert "no evaluation report has been uploaded" in confirm.text
    assert 'id="override-form"' in confirm.text
    assert 'id="create-confirm-form"' not in confirm.text
    # Sent anyway, without an override: refused, the form keeps what was typed.
    forced = post_form(
        centre.http, "/console/releases/create", token, **candidate("spring")
    )
    assert forced.status_code == 409
    assert "The gate refuses this candidate" in forced.text
    assert 'value="spring"' in forced.text and f'value="{MODEL_SHA}"' in forced.text
    assert release_history(centre.services.storage).releases == ()


def test_an_override_needs_a_reason_and_is_recorded_audited_and_shown(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    token = form_token(signed_in_page(centre))

    bare = post_form(
        centre.http,
        "/console/releases/create-confirm",
        token,
        **candidate("spring", override="yes", override_reason=""),
    )
    assert bare.status_code == 409
    assert "Overriding the gate needs a reason" in bare.text
    assert 'value="spring"' in bare.text

    fields = candidate(
        "spring", override="yes", override_reason="Pump <b>fix</b> needed today"
    )
    confirm = post_form(
        centre.http, "/console/releases/create-confirm", token, **fields
    )
    assert 'id="confirm-override"' in confirm.text
    assert "Pump &lt;b&gt;fix&lt;/b&gt; needed today" in confirm.text
    done = post_form(centre.http, "/console/releases/create", token, **fields)

    assert done.status_code == 200
    state = release_state(centre.services.storage, "spring")
    assert state.gate is not None and state.gate.overridden
    assert state.gate.reason == "Pump <b>fix</b> needed today"
    (overridden,) = audit(centre, "release_gate_overridden")
    assert overridden.actor == "supervisor:sam"  # type: ignore[attr-defined]
    history = centre.http.get("/console/releases")
    assert 'id="override-in-force"' in history.text
    assert "Pump &lt;b&gt;fix&lt;/b&gt; needed today" in history.text
    assert "<b>fix</b>" not in history.text
    detail = centre.http.get("/console/releases/spring")
    assert 'id="release-override-reason"' in detail.text


def test_a_bad_name_is_refused_with_the_form_kept(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    token = form_token(signed_in_page(centre))

    response = post_form(
        centre.http,
        "/console/releases/create-confirm",
        token,
        **candidate("no spaces allowed"),
    )

    assert response.status_code == 409
    assert "is not a release name" in response.text
    assert 'value="no spaces allowed"' in response.text


def test_a_release_page_shows_its_parts_devices_and_convergence(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    token = form_token(signed_in_page(centre))
    make_release(centre, token, "spring")
    device = centre.enrol("dev-release-1")
    release = release_state(centre.services.storage, "spring").release
    centre.clock.advance(timedelta(minutes=3))
    device.pull(
        release_id=1,
        policy_version=release.policy_version,
        kb_version=release.kb_version,
        model=MODEL_NAME,
        model_sha256=MODEL_SHA,
    )

    page = centre.http.get("/console/releases/spring")

    assert page.status_code == 200
    assert MODEL_SHA in page.text and release.kb_sha256 in page.text
    assert "dev-release-1" in page.text
    assert re.search(
        r"1 of 1 active device run it: all converged, the last 3 min", page.text
    )
    history = centre.http.get("/console/releases")
    assert (
        'id="convergence"' in history.text
        and "All 1 active device run it" in history.text
    )
    missing = centre.http.get("/console/releases/autumn")
    assert missing.status_code == 404
    assert "No release is named or numbered autumn" in missing.text


def test_a_supervisor_rolls_back_with_a_reason_after_confirming(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    token = form_token(signed_in_page(centre))
    make_release(centre, token, "spring")
    publish_kb(centre, tmp_path, "kb2", PUMP.replace("low", "too low"))
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    make_release(centre, token, "summer")
    page = centre.http.get("/console/releases")
    assert 'id="rollback-form"' in page.text

    no_reason = post_form(
        centre.http, "/console/releases/rollback-confirm", token, to="spring", reason=""
    )
    assert no_reason.status_code == 422
    assert "A rollback needs a reason" in no_reason.text
    newest = post_form(
        centre.http,
        "/console/releases/rollback-confirm",
        token,
        to="summer",
        reason="x",
    )
    assert newest.status_code == 409 and "is the newest already" in newest.text

    confirm = post_form(
        centre.http,
        "/console/releases/rollback-confirm",
        token,
        to="spring",
        reason="KB v2 reads pressures wrong",
    )
    assert confirm.status_code == 200 and 'id="rollback-confirm-form"' in confirm.text
    assert len(release_history(centre.services.storage).releases) == 2  # not yet

    done = post_form(
        centre.http,
        "/console/releases/rollback",
        token,
        to="spring",
        reason="KB v2 reads pressures wrong",
    )

    assert done.status_code == 200 and "Rolled back to spring" in done.text
    state = release_state(centre.services.storage, None)
    assert state.release.name == "spring-rollback-3"
    assert state.release.reason == "KB v2 reads pressures wrong"
    assert state.release.created_by == "supervisor:sam"
    (rolled,) = audit(centre, "release_rolled_back")
    assert rolled.actor == "supervisor:sam"  # type: ignore[attr-defined]
    detail = centre.http.get("/console/releases/spring-rollback-3")
    assert 'id="release-rollback"' in detail.text and "KB v2 reads" in detail.text
    older = centre.http.get("/console/releases/summer")
    assert 'id="release-rollback-form"' in older.text


def test_an_auditor_sees_the_releases_but_no_form_and_cannot_post(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, "kb1")
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    sam_token = form_token(signed_in_page(centre))
    make_release(centre, sam_token, "spring")
    publish_kb(centre, tmp_path, "kb2", PUMP.replace("low", "too low"))
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    make_release(centre, sam_token, "summer")
    centre.http.cookies.clear()

    page = signed_in_page(centre, "ada")
    detail = centre.http.get("/console/releases/spring")

    assert 'id="release-link-2"' in page.text
    for html in (page.text, detail.text):
        assert "<form" in html  # the sign-out form only
        assert 'id="create-form"' not in html and 'id="rollback-form"' not in html
        assert 'id="release-rollback-form"' not in html
    token = form_token(page)  # the sign-out form's
    for path, fields in (
        ("/console/releases/create-confirm", candidate("autumn")),
        ("/console/releases/create", candidate("autumn")),
        ("/console/releases/rollback", {"to": "spring", "reason": "x"}),
    ):
        refused = post_form(centre.http, path, token, **fields)
        assert refused.status_code == 403 and "auditor" in refused.text
    assert len(release_history(centre.services.storage).releases) == 2


def test_a_form_without_its_token_is_refused(centre: Harness, tmp_path: Path) -> None:
    publish_kb(centre, tmp_path, "kb1")
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    signed_in_page(centre)

    for token in ("", "not-the-token"):
        refused = post_form(
            centre.http, "/console/releases/create", token, **candidate("spring")
        )
        assert refused.status_code == 403
        assert "security token" in refused.text
    assert release_history(centre.services.storage).releases == ()


def test_the_history_is_paged(centre: Harness, tmp_path: Path) -> None:
    token = form_token(signed_in_page(centre))
    publish_kb(centre, tmp_path, "kb1")
    vouch(centre.services.storage, model_sha256=MODEL_SHA)
    make_release(centre, token, "spring")
    bad = centre.http.get("/console/releases?page=two")
    assert bad.status_code == 422 and "page number" in bad.text
    past = centre.http.get("/console/releases?page=7")  # past the end: the last
    assert past.status_code == 200 and 'id="release-link-1"' in past.text
