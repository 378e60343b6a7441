"""At push the centre checks each action against the job book it assigns the
device now: a job no longer assigned to the technician, or closed, or an
asset retired, holds the action for review with the change named and dated
against the action. A real SQLite centre."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.server.world_check import JobBookNow, world_problems
from tests.sync.server.support import REPAIR, FieldDevice, Harness


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def job(job_id: str, status: str = "assigned") -> dict[str, str]:
    return {"job_id": job_id, "status": status, "site_id": "S-1", "asset_id": "A-1"}


def assign(
    centre: Harness,
    device: FieldDevice,
    *jobs: dict[str, str],
    assets: tuple[dict[str, str], ...] = (),
) -> int:
    return centre.publisher.assign_jobs(
        device.device_id, {"jobs": list(jobs), "assets": list(assets)}, actor="office"
    )


def asset(asset_id: str, status: str) -> dict[str, str]:
    return {"asset_id": asset_id, "model": "HP-300", "serial": "S1", "status": status}


def results(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def test_an_action_on_a_job_still_assigned_and_open_is_applied(
    centre: Harness, device: FieldDevice
) -> None:
    assign(centre, device, job("J-1"))
    device.record("record_repair", REPAIR)
    [(status, _)] = results(device.push(device.batch()))
    assert status == "applied"


def test_a_job_reassigned_meanwhile_holds_the_action_with_the_change_named(
    centre: Harness, device: FieldDevice
) -> None:
    assign(centre, device, job("J-1"))
    device.record("record_repair", REPAIR)  # proposed offline, on job book v1
    centre.clock.advance(timedelta(days=2))
    assert assign(centre, device, job("J-2")) == 2  # the office moved J-1 away
    [(status, reason)] = results(device.push(device.batch()))
    assert status == "quarantined"
    assert (
        "Changed since the device decided: job J-1 is no longer assigned to ann "
        "(job book v2 of 2026-03-04, 2 days after this action was proposed)." in reason
    )
    held = centre.services.review.pending()
    assert [a.tool for a in held] == ["record_repair"]


def test_a_job_closed_meanwhile_holds_the_action(
    centre: Harness, device: FieldDevice
) -> None:
    assign(centre, device, job("J-1"))
    device.record("record_repair", REPAIR)
    assign(centre, device, job("J-1", status="Closed"))
    [(status, reason)] = results(device.push(device.batch()))
    assert status == "quarantined"
    assert (
        "job J-1 is closed at the centre (job book v2 of 2026-03-02, the minute "
        "this action was proposed)" in reason
    )


def test_an_asset_retired_meanwhile_holds_the_action_on_its_job(
    centre: Harness, device: FieldDevice
) -> None:
    assign(centre, device, job("J-1"), assets=(asset("A-1", "in service"),))
    device.record("record_repair", REPAIR)
    centre.clock.advance(timedelta(hours=5))
    assign(centre, device, job("J-1"), assets=(asset("A-1", "Retired"),))
    [(status, reason)] = results(device.push(device.batch()))
    assert status == "quarantined"
    assert (
        "asset A-1 is retired at the centre (job book v2 of 2026-03-02, 5 hours "
        "after this action was proposed)" in reason
    )


def test_an_asset_in_service_or_out_of_service_does_not_hold_the_action(
    centre: Harness, device: FieldDevice
) -> None:
    # Out of service is what a repair is for; only equipment gone is a change.
    assign(centre, device, job("J-1"), assets=(asset("A-1", "out of service"),))
    device.record("record_repair", REPAIR)
    [(status, _)] = results(device.push(device.batch()))
    assert status == "applied"


PROPOSED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_asset_an_action_names_is_checked_before_its_jobs() -> None:
    book = JobBookNow(
        4,
        PROPOSED - timedelta(days=3),
        {"J-1": job("J-1")},
        {"A-1": asset("A-1", "in service"), "A-9": asset("A-9", "replaced")},
    )
    named = world_problems({"asset_id": "A-9", "job_id": "J-1"}, "ann", book, PROPOSED)
    assert named == [
        "asset A-9 is replaced at the centre (job book v4 of 2026-12-04, 3 days "
        "before this action was proposed)"
    ]
    assert world_problems({"job_id": "J-1"}, "ann", book, PROPOSED) == []


def test_a_change_is_dated_only_when_both_times_are_known() -> None:
    book = JobBookNow(2, None, {"J-1": job("J-1", "done")})
    assert world_problems({"job_id": "J-1"}, "ann", book, PROPOSED) == [
        "job J-1 is done at the centre (job book v2)"
    ]
    dated = JobBookNow(2, PROPOSED, {"J-1": job("J-1", "done")})
    assert world_problems({"job_id": "J-1"}, "ann", dated) == [
        "job J-1 is done at the centre (job book v2 of 2026-12-07)"
    ]


def test_without_a_job_book_at_the_centre_nothing_is_compared() -> None:
    assert world_problems({"job_id": "J-1"}, "ann", JobBookNow()) == []
    assert world_problems({"part_number": "P-1"}, "ann", JobBookNow(3)) == []
