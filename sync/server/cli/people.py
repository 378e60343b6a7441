"""``edge-governance user``: the people who sign in to the web console.

edge-governance user add NAME --role supervisor|auditor [--password-stdin]
edge-governance user list [--json]
edge-governance user disable NAME
edge-governance user password NAME [--password-stdin]

The password is asked twice at a terminal (never echoed), or read from the
first line of standard input with ``--password-stdin`` for scripts.
"""

from __future__ import annotations

import json
import sys

import click

from sync.server.cli.context import state
from sync.server.clock import utc_now
from sync.server.people import ROLES, Accounts, Person


@click.group("user")
def user_group() -> None:
    """People who sign in to the web console."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="supervisor (decides) or auditor (reads only).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
@click.pass_context
def add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Make an account for NAME."""
    password = _password(password_stdin)
    cli = state(ctx)
    with cli.storage() as storage:
        person = Accounts(storage, clock=utc_now).add(
            name, role, password, actor=cli.actor
        )
    click.echo(
        f"Added {person.username} ({person.role}); they sign in at /console/ of "
        "the centre's address."
    )


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_people(ctx: click.Context, as_json: bool) -> None:
    """Every account, with its role and whether it is disabled."""
    with state(ctx).storage() as storage:
        people = Accounts(storage, clock=utc_now).people()
    if as_json:
        click.echo(json.dumps([_json(p) for p in people], indent=2))
        return
    if not people:
        click.echo(
            "No accounts yet: add one with 'user add NAME --role ...'.", err=True
        )
    for person in people:
        state_text = (
            f"disabled {person.disabled_at.isoformat(timespec='seconds')}"
            if person.disabled_at
            else "active"
        )
        click.echo(f"{person.username:<20} {person.role:<11} {state_text}")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable NAME's account and end their sessions."""
    cli = state(ctx)
    with cli.storage() as storage:
        ended = Accounts(storage, clock=utc_now).disable(name, actor=cli.actor)
    click.echo(f"Disabled {name.lower()}; {ended} session(s) ended.")


@user_group.command("password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
@click.pass_context
def password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Give NAME a new password (their sessions end)."""
    new = _password(password_stdin)
    cli = state(ctx)
    with cli.storage() as storage:
        ended = Accounts(storage, clock=utc_now).set_password(
            name, new, actor=cli.actor
        )
    click.echo(f"Changed the password of {name.lower()}; {ended} session(s) ended.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin read no password.")
        return line
    entered: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt=True, err=True
    )
    return entered


def _json(person: Person) -> dict[str, object]:
    return {
        "username": person.username,
        "role": person.role,
        "created_at": person.created_at.isoformat(),
        "disabled_at": person.disabled_at.isoformat() if person.disabled_at else None,
    }
