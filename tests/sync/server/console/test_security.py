"""Every console route wants a session, carries the security headers, and
refuses forms without their token, auditors' changes and devices."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from sync.auth import signed_headers
from sync.server.console.headers import HEADERS
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.support import BIG_ORDER, Harness

OPEN = {"/sign-in"}
"""The only console paths open without a session (and the static files)."""


def console_routes(centre: Harness) -> list[tuple[str, str]]:
    """(method, path) of every console route, its path parameters filled in."""
    app = centre.http.app
    assert isinstance(app, FastAPI)
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == "/console"]
    assert isinstance(mount.app, FastAPI)
    found = []
    for route in api_routes(mount.app.routes):
        if route.path in OPEN:
            continue
        path = "/console" + re.sub(r"\{[^}]+\}", "x" * 12, route.path)
        found += [(method, path) for method in sorted(route.methods)]
    return found


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, included routers opened (newer FastAPI versions keep
    an included router whole, as ``original_router``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
            continue
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def test_every_console_route_but_sign_in_sends_the_unsigned_to_sign_in(
    centre: Harness,
) -> None:
    routes = console_routes(centre)
    assert ("GET", "/console/review") in routes
    assert ("POST", "/console/review/decide") in routes

    for method, path in routes:
        response = centre.http.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.text)
        assert response.headers["location"].startswith("/console/sign-in?next=")


def test_every_console_response_carries_the_security_headers(
    centre: Harness,
) -> None:
    unsigned = [centre.http.get("/console/sign-in")]
    unsigned += [
        centre.http.request(method, path, follow_redirects=False)
        for method, path in console_routes(centre)
    ]
    sign_in(centre.http, "sam")
    signed = [
        centre.http.get(path, follow_redirects=False)
        for method, path in console_routes(centre)
        if method == "GET"
    ]
    static = [centre.http.get("/console/static/console.css")]
    static.append(centre.http.get("/console/static/htmx.min.js"))

    for response in unsigned + signed + static:
        for name, value in HEADERS.items():
            assert response.headers[name] == value, (response.url, name)
    for response in unsigned + signed:
        assert response.headers["cache-control"] == "no-store", response.url
    assert all(r.status_code == 200 for r in static)
    policy = HEADERS["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_pages_have_no_inline_script_or_style(centre: Harness) -> None:
    sign_in(centre.http, "sam")
    for path in ("/console/sign-in", "/console/review"):
        page = centre.http.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)", page) == [], path
        assert "<style" not in page and " style=" not in page, path
        assert re.search(r"\son[a-z]+=", page) is None, path


def test_a_post_without_the_token_or_with_another_is_refused(
    centre: Harness,
) -> None:
    device = centre.enrol()
    key = device.record("order_part", BIG_ORDER)
    device.push()
    sign_in(centre.http, "sam")
    target = f"{device.device_id}/{key}"

    for token in ("", "not-the-token"):
        response = post_form(
            centre.http,
            "/console/review/decide",
            token,
            verdict="approve",
            target=target,
        )
        assert response.status_code == 403
        assert "security token" in response.text

    assert [i.key for i in centre.services.review.pending()] == [key]


def test_an_auditor_sees_the_queue_without_forms_and_cannot_post(
    centre: Harness,
) -> None:
    device = centre.enrol()
    key = device.record("order_part", BIG_ORDER)
    device.push()
    sign_in(centre.http, "ada")

    queue = centre.http.get("/console/review")
    detail = centre.http.get(f"/console/review/{key}")
    token = form_token(queue)  # the sign-out form's
    response = post_form(
        centre.http,
        "/console/review/decide",
        token,
        verdict="approve",
        target=f"{device.device_id}/{key}",
    )

    assert key[:8] in queue.text and 'id="decide-form"' not in queue.text
    assert detail.status_code == 200 and 'id="detail-decide-form"' not in detail.text
    assert response.status_code == 403 and "auditor" in response.text
    assert [i.key for i in centre.services.review.pending()] == [key]


def test_a_device_s_signed_request_does_not_open_the_console(
    centre: Harness,
) -> None:
    device = centre.enrol()
    headers = signed_headers(
        device.device_id,
        device.secret,
        method="GET",
        path="/console/review",
        body=b"",
        timestamp=str(centre.clock.now.timestamp()),
        nonce="console-nonce-1",
    )

    response = centre.http.get(
        "/console/review", headers=headers, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in")


def test_a_person_s_session_cookie_does_not_sign_a_device_request(
    centre: Harness,
) -> None:
    device = centre.enrol()
    sign_in(centre.http, "sam")
    assert "edge_console" in centre.http.cookies
    cookie = {"Cookie": f"edge_console={centre.http.cookies['edge_console']}"}

    unsigned = centre.http.post("/v1/pull", json={}, headers=cookie)

    assert unsigned.status_code == 401
    assert unsigned.json()["error"] == "not_authenticated"
    assert device.pull().status_code == 200  # the device's own signature still works
