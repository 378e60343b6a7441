"""Signing in to the console: credentials, the limit, expiry, cookies."""

from __future__ import annotations

from datetime import timedelta

from sync.server.people import Accounts
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.support import Harness


def test_a_supervisor_signs_in_and_lands_on_the_page_they_asked_for(
    centre: Harness,
) -> None:
    wanted = centre.http.get("/console/review?tool=order_part", follow_redirects=False)
    assert wanted.status_code == 303
    assert wanted.headers["location"] == (
        "/console/sign-in?next=%2Fconsole%2Freview%3Ftool%3Dorder_part"
    )

    response = sign_in(centre.http, "sam", next="/console/review?tool=order_part")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/review?tool=order_part"
    cookie = response.headers["set-cookie"]
    assert "edge_console=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback: the browser must send it
    page = centre.http.get("/console/review")
    assert page.status_code == 200 and "sam" in page.text and "supervisor" in page.text


def test_a_sign_in_never_sends_anyone_to_another_site(centre: Harness) -> None:
    for wanted in ("https://evil.example/", "//evil.example/x", "/v1/pull", "/\\evil"):
        response = sign_in(centre.http, "sam", next=wanted)
        assert response.headers["location"] == "/console/review", wanted


def test_wrong_password_and_unknown_name_get_the_same_answer(centre: Harness) -> None:
    wrong = sign_in(centre.http, "sam", "not the password")
    unknown = sign_in(centre.http, "nobody", "not the password")

    assert wrong.status_code == unknown.status_code == 401
    assert "The name or the password is wrong" in wrong.text
    assert "The name or the password is wrong" in unknown.text
    assert "edge_console=" not in wrong.headers.get("set-cookie", "")
    assert centre.http.get("/console/review", follow_redirects=False).status_code == 303


def test_five_failures_lock_the_name_for_a_while_with_how_long_to_wait(
    centre: Harness,
) -> None:
    for _ in range(5):
        assert sign_in(centre.http, "sam", "guess guess guess").status_code == 401

    locked = sign_in(centre.http, "sam")  # even the right password, for now

    assert locked.status_code == 401
    assert "Too many failed sign-ins" in locked.text
    assert "Try again in 5 minutes." in locked.text
    centre.clock.advance(timedelta(minutes=5, seconds=1))
    assert sign_in(centre.http, "sam").status_code == 303


def test_failures_from_one_address_lock_out_other_names_too(centre: Harness) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(centre.http, name, "guess guess guess")

    assert "Too many failed sign-ins" in sign_in(centre.http, "ada").text


def test_a_disabled_person_cannot_sign_in_and_their_session_ends(
    centre: Harness,
) -> None:
    assert sign_in(centre.http, "ada").status_code == 303
    assert centre.http.get("/console/review").status_code == 200

    Accounts(centre.services.storage, clock=centre.clock).disable("ada", actor="t")

    page = centre.http.get("/console/review", follow_redirects=False)
    assert page.status_code == 303 and "/console/sign-in" in page.headers["location"]
    assert sign_in(centre.http, "ada").status_code == 401


def test_a_session_ends_after_30_idle_minutes_but_not_while_in_use(
    centre: Harness,
) -> None:
    sign_in(centre.http, "sam")
    for _ in range(3):
        centre.clock.advance(timedelta(minutes=29))
        assert centre.http.get("/console/review").status_code == 200

    centre.clock.advance(timedelta(minutes=31))

    page = centre.http.get("/console/review", follow_redirects=False)
    assert page.status_code == 303 and "/console/sign-in" in page.headers["location"]


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(
    centre: Harness,
) -> None:
    sign_in(centre.http, "sam")
    for _ in range(24):
        centre.clock.advance(timedelta(minutes=29))
        centre.http.get("/console/review")
    assert centre.http.get("/console/review").status_code == 200
    centre.clock.advance(timedelta(minutes=29))

    assert centre.http.get("/console/review", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_at_the_centre(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    cookie = centre.http.cookies["edge_console"]
    token = form_token(centre.http.get("/console/review"))

    assert post_form(centre.http, "/console/sign-out", token).status_code == 303

    centre.http.cookies.set("edge_console", cookie, path="/console")  # replayed
    assert centre.http.get("/console/review", follow_redirects=False).status_code == 303


def test_the_cookie_is_secure_when_the_console_is_reached_over_https(
    centre: Harness,
) -> None:
    centre.http.base_url = "https://testserver"
    response = sign_in(centre.http, "sam")

    assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_a_sign_in_form_without_its_token_is_refused(centre: Harness) -> None:
    centre.http.get("/console/sign-in")
    response = centre.http.post(
        "/console/sign-in",
        data={"username": "sam", "password": "correct horse battery"},
        follow_redirects=False,
    )

    assert response.status_code == 403 and "security token" in response.text
