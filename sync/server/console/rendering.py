"""Rendering a console page: Jinja2 templates, always autoescaped.

Every page gets the navigation bar, the signed-in person (if any) and the
session's CSRF token for its forms; text from devices is escaped by the
templates' autoescape and never marked safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from sync.server.console.context import console_of
from sync.server.console.nav import NAV
from sync.server.console.paths import PREFIX, SIGN_IN, STATIC
from sync.server.console.sessions import SignedIn


def template_environment() -> jinja2.Environment:
    """The console's templates (package data), with autoescape on."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sync.server.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``template`` drawn with ``context`` and what every page shows."""
    signed: SignedIn | None = getattr(request.state, "signed", None)
    page = console_of(request).templates.get_template(template)
    html = page.render(
        nav=NAV,
        here=request.url.path,
        signed=signed,
        csrf_token=signed.csrf_token if signed else "",
        prefix=PREFIX,
        static=STATIC,
        sign_in=SIGN_IN,
        **(context or {}),
    )
    return HTMLResponse(html, status_code=status_code)
