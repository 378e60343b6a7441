from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sync.server.storage import Storage
from sync.server.storage.releases import Release, add_release
from tests.sync.server.drift.field_turns import (
    MONDAY,
    SHA,
    Fleet,
    ask,
    correction,
    photo,
    propose,
)

WEEK = timedelta(days=7)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    """A centre's database in a real SQLite file, migrated."""
    opened = Storage.open(f"sqlite:///{tmp_path / 'centre.db'}")
    yield opened
    opened.close()


def release(release_id: int, name: str, policy: int, model: str) -> Release:
    return Release(
        release_id=release_id,
        name=name,
        model_name="m.gguf",
        model_sha256=model,
        policy_version=policy,
        policy_sha256="p" * 64,
        kb_version=release_id,
        kb_sha256="k" * 64,
        app_version="0.1.0",
        created_at=MONDAY - WEEK,
        created_by="sam",
    )


@pytest.fixture
def fleet(storage: Storage) -> Fleet:
    """Two weeks of one device's turns whose figures are worked out by hand
    in the tests; the device moved to release r2 at the start of the second."""
    with storage.write() as connection:
        add_release(connection, release(1, "r1", 3, SHA))
        add_release(connection, release(2, "r2", 4, "ef" * 32))
    fleet = Fleet(storage)
    fleet.device("d1")
    at = MONDAY + timedelta(hours=8)
    week_one = [
        ask("t1", at, "where is the drain plug on the DG-60", "not_found"),
        ask("t2", at, "drain plug location dg-60", "not_found"),
        ask("t3", at, "E-42", "code_lookup", seconds=0.5),
        ask("t4", at, "torque for impeller nut", "retrieval", kept=2, dropped=2),
        photo("t5", at, [("fault_code", "E-42", 0.9), ("part_number", "4471-A", 0.7)]),
        correction("t6", at),
        propose("t7", at, "deny"),
        propose("t8", at, "allow"),
    ]
    fleet.send("d1", week_one, outcomes=[("t7", "deny"), ("t8", "allow")])
    fleet.action(
        "d1",
        "t8",
        device_outcome="allow",
        status="approved",
        centre_outcome="approve",
        quarantined=True,
    )
    later = at + WEEK
    fleet.send(
        "d1",
        [
            ask(
                "u1",
                later,
                "how to reset the controller",
                "not_found",
                recorded_route=False,
            ),
            ask("u2", later, "the drain plug DG-60 where", "not_found"),
        ],
    )
    fleet.runs("d1", 2, MONDAY + WEEK)
    return fleet
