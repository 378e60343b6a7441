"""What every console page reaches: the services, sessions and templates."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from fastapi import Request

from sync.server.console.sessions import ConsoleSessions
from sync.server.people import Accounts
from sync.server.services import Services


@dataclass(frozen=True, slots=True)
class Console:
    """The console of one app.

    Attributes:
        services: The service layer the CLI uses too.
        accounts: The people who may sign in.
        sessions: Sign-in, sessions, sign-out.
        templates: The Jinja2 environment (autoescaped).
    """

    services: Services
    accounts: Accounts
    sessions: ConsoleSessions
    templates: jinja2.Environment


def console_of(request: Request) -> Console:
    """The console the request reached (a FastAPI dependency)."""
    console: Console = request.app.state.console
    return console
