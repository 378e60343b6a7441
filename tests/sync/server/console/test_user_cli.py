"""``edge-governance user``: accounts made, listed, disabled, re-passworded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.server.cli import governance
from sync.server.clock import utc_now
from sync.server.errors import Conflict, RecordNotFound, RequestInvalid
from sync.server.people import Accounts
from sync.server.storage import Storage
from sync.server.storage.audit import events
from tests.sync.server.support import BIG_ORDER, harness

GOOD = "a long enough secret"


@pytest.fixture
def run(sqlite_url: str, tmp_path: Path):
    """Run ``edge-governance`` on the test database as supervisor ``sam``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(
            governance,
            ["--database-url", sqlite_url, "--data-dir", str(tmp_path), "--as", "sam"]
            + list(args),
            input=input,
        )

    return invoke


def accounts(sqlite_url: str) -> Accounts:
    return Accounts(Storage.open(sqlite_url), clock=utc_now)


def test_user_add_asks_twice_and_stores_only_a_hash(run, sqlite_url: str) -> None:
    result = run(
        "user", "add", "Kim", "--role", "supervisor", input=f"{GOOD}\n{GOOD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "Added kim (supervisor)" in result.output
    assert accounts(sqlite_url).check("kim", GOOD) is not None
    assert accounts(sqlite_url).check("kim", "another password") is None
    storage = Storage.open(sqlite_url)
    with storage.read() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM people").scalar()
        audit = [e for e in events(connection) if e.event == "person_added"]
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert audit[0].actor == "sam" and audit[0].detail == {
        "username": "kim",
        "role": "supervisor",
    }


def test_user_add_reads_the_password_from_stdin_for_scripts(
    run, sqlite_url: str
) -> None:
    result = run(
        "user", "add", "ada", "--role", "auditor", "--password-stdin", input=GOOD + "\n"
    )

    assert result.exit_code == 0, result.output
    (person,) = accounts(sqlite_url).people()
    assert (person.username, person.role, person.can_change) == (
        "ada",
        "auditor",
        False,
    )


def test_user_add_refuses_a_short_password_a_taken_name_and_a_bad_role(run) -> None:
    short = run(
        "user",
        "add",
        "kim",
        "--role",
        "supervisor",
        "--password-stdin",
        input="short\n",
    )
    assert isinstance(short.exception, RequestInvalid)
    assert "too short" in short.exception.message

    run("user", "add", "kim", "--role", "supervisor", "--password-stdin", input=GOOD)
    taken = run(
        "user", "add", "KIM", "--role", "auditor", "--password-stdin", input=GOOD
    )
    assert isinstance(taken.exception, Conflict)

    role = run("user", "add", "lee", "--role", "admin", "--password-stdin", input=GOOD)
    assert role.exit_code == 2 and "admin" in role.output


def test_user_list_disable_and_password(run, sqlite_url: str) -> None:
    for name in ("kim", "ada"):
        run("user", "add", name, "--role", "supervisor", "--password-stdin", input=GOOD)

    assert run("user", "disable", "ada").exit_code == 0
    changed = run(
        "user", "password", "kim", "--password-stdin", input="a new long secret\n"
    )
    listed = json.loads(run("user", "list", "--json").output)

    assert changed.exit_code == 0 and "Changed the password of kim" in changed.output
    assert [(p["username"], p["disabled_at"] is not None) for p in listed] == [
        ("ada", True),
        ("kim", False),
    ]
    assert accounts(sqlite_url).check("ada", GOOD) is None
    assert accounts(sqlite_url).check("kim", "a new long secret") is not None
    text = run("user", "list").output
    assert "ada" in text and "disabled" in text and "active" in text
    missing = run("user", "disable", "nobody")
    assert isinstance(missing.exception, RecordNotFound)


def test_review_list_takes_an_age(run, sqlite_url: str, tmp_path: Path) -> None:
    with harness(tmp_path, sqlite_url) as centre:
        centre.clock.now = datetime.now(UTC) - timedelta(hours=2)  # the CLI's clock
        centre.publish_default_policy()
        device = centre.enrol()
        device.record("order_part", BIG_ORDER)
        device.push()

    younger = run("review", "list", "--json", "--older-than", "3h")
    older = run("review", "list", "--json", "--older-than", "1h")
    bad = run("review", "list", "--older-than", "soon")

    assert json.loads(younger.output) == [] and len(json.loads(older.output)) == 1
    assert bad.exit_code == 2 and "not a duration" in bad.output
