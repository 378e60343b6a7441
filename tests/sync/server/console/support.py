"""Helpers of the console tests: signing in through the real pages and
reading the tokens a page's forms carry."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.sync.server.testclient import TestClient

PASSWORD = "correct horse battery"
"""Every test account's password."""

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page: httpx.Response) -> str:
    """The CSRF token in the page's forms."""
    found = _TOKEN.search(page.text)
    assert found, f"no form token on the page:\n{page.text[:2000]}"
    return found.group(1)


def sign_in(
    http: TestClient, username: str, password: str = PASSWORD, **fields: str
) -> httpx.Response:
    """Fill in and send the sign-in form, as a browser would."""
    page = http.get("/console/sign-in")
    assert page.status_code == 200
    form = {
        "csrf_token": form_token(page),
        "username": username,
        "password": password,
        **fields,
    }
    response: httpx.Response = http.post(
        "/console/sign-in", data=form, follow_redirects=False
    )
    return response


def post_form(http: TestClient, path: str, token: str, **fields: Any) -> httpx.Response:
    """Post a console form with the session's token."""
    response: httpx.Response = http.post(
        path, data={"csrf_token": token, **fields}, follow_redirects=False
    )
    return response
