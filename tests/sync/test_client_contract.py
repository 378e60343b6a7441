"""The edge client and runner against the real service, in-process.

Starlette's ``TestClient`` is an ``httpx.Client``, so ``SyncClient`` talks to
``create_app`` exactly as it talks to a deployed centre: same paths, bodies,
signatures and error bodies. SQLite only: the storage tests cover PostgreSQL.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sync import ActionState, SyncAuthFailed, SyncRejected, SyncUnavailable
from sync.client import SyncClient, enroll
from sync.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from sync.runner import drain
from sync.runner_models import SyncReport
from tests.sync.server.support import (
    BIG_ORDER,
    HUGE_ORDER,
    REPAIR,
    SMALL_ORDER,
    TECHNICIAN,
    FieldDevice,
    Harness,
    harness,
)


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Harness]:
    """The real app on a fresh SQLite file, default policy published."""
    with harness(tmp_path, f"sqlite:///{tmp_path / 'governance.db'}") as h:
        h.publish_default_policy()
        yield h


def enrolled(
    centre: Harness, secret: str | None = None
) -> tuple[FieldDevice, SyncClient]:
    """Enrol through the client; the device's outbox keeps the id it sent."""
    reply = enroll(
        centre.http,
        token=centre.token(),
        device_name="laptop",
        technician_id=TECHNICIAN,
        device_id="dev-contract-01",
        clock=centre.clock,
    )
    assert reply.device_id == "dev-contract-01"
    device = FieldDevice(centre, reply.device_id, reply.secret, TECHNICIAN)
    nonces = (f"nonce-{n:08d}" for n in itertools.count())
    client = SyncClient(
        centre.http,
        device_id=reply.device_id,
        secret=secret or reply.secret,
        clock=centre.clock,
        new_nonce=lambda: next(nonces),
    )
    return device, client


def sync(device: FieldDevice, client, centre: Harness, **options) -> SyncReport:
    return drain(
        device.outbox,
        client,
        clock=centre.clock,
        sleep=lambda seconds: centre.clock.advance(timedelta(seconds=seconds)),
        rng=random.Random(3),
        pull=options.pop("pull", PullRequest()),
        **options,
    )


def delivered(centre: Harness) -> list[int]:
    centre.services.delivery.run_once()
    return [action.seq for action in centre.connector.delivered]


def test_a_sync_pushes_signed_batches_and_pulls_results_and_policy(centre) -> None:
    device, client = enrolled(centre)
    device.record("record_repair", REPAIR)
    device.record("order_part", HUGE_ORDER)  # denied on the device: a link
    device.record("order_part", BIG_ORDER)
    device.record("order_part", SMALL_ORDER)
    report = sync(device, client, centre, batch_size=2)
    assert [(o.seq, o.status) for o in report.outcomes] == [
        (1, "applied"),
        (3, "quarantined"),
        (4, "applied"),
    ]
    assert report.reached and report.stopped is None
    assert report.pull is not None and report.pull.policy_bundle is not None
    assert report.pull.results_cursor >= 3
    counts = device.outbox.count_by_state()
    assert (counts[ActionState.APPLIED], counts[ActionState.QUARANTINED]) == (2, 1)
    assert delivered(centre) == [1, 4]
    again = sync(device, client, centre, pull=None)
    assert again.sent == 0 and delivered(centre) == [1, 4]


class LosesFirstReply:
    """The centre commits the push, but the device never hears back."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.lost = 0

    def push(self, request: PushRequest) -> PushResponse:
        response = self.client.push(request)
        if not self.lost:
            self.lost += 1
            raise SyncUnavailable("The connection dropped before the reply.")
        return response

    def pull(self, request: PullRequest) -> PullResponse:
        return self.client.pull(request)


def test_a_lost_reply_is_resent_and_applied_once_by_the_centre(centre) -> None:
    device, client = enrolled(centre)
    device.record("record_repair", REPAIR)
    device.record("order_part", SMALL_ORDER)
    flaky = LosesFirstReply(client)
    report = sync(device, flaky, centre)
    assert flaky.lost == 1
    assert report.count("applied") == 2
    assert delivered(centre) == [1, 2]


def test_a_crash_after_the_push_is_recovered_without_applying_twice(centre) -> None:
    device, client = enrolled(centre)
    device.record("record_repair", REPAIR)

    class Crash(BaseException):
        pass

    class CrashAfterPush(LosesFirstReply):
        def push(self, request: PushRequest) -> PushResponse:
            self.client.push(request)
            raise Crash()

    with pytest.raises(Crash):
        sync(device, CrashAfterPush(client), centre)
    assert device.outbox.count_by_state()[ActionState.SENT] == 1
    report = sync(device, client, centre)
    assert report.count("applied") == 1
    assert delivered(centre) == [1]


def test_the_centre_splits_nothing_it_refuses_as_too_large(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'governance.db'}"
    with harness(tmp_path, url, max_batch_actions=2) as centre:
        centre.publish_default_policy()
        device, client = enrolled(centre)
        for _ in range(5):
            device.record("order_part", SMALL_ORDER)
        report = sync(device, client, centre, batch_size=5)
        assert report.count("applied") == 5
        assert delivered(centre) == [1, 2, 3, 4, 5]


def test_a_wrong_secret_is_refused_and_the_actions_stay_queued(centre) -> None:
    device, client = enrolled(centre, secret="not-the-secret")
    device.record("record_repair", REPAIR)
    with pytest.raises(SyncAuthFailed, match="re-enrol"):
        sync(device, client, centre)
    assert device.outbox.count_by_state()[ActionState.QUEUED] == 1


def test_a_used_token_is_refused_with_what_to_do(centre) -> None:
    token = centre.token()

    def enrol_as(device_id: str):
        return enroll(
            centre.http,
            token=token,
            device_name="laptop",
            technician_id=TECHNICIAN,
            device_id=device_id,
            clock=centre.clock,
        )

    enrol_as("dev-contract-01")
    with pytest.raises(SyncRejected, match="new one") as refused:
        enrol_as("dev-contract-02")
    assert "was used already" in refused.value.message


@pytest.mark.parametrize(
    ("issued_for", "reason"),
    [("bob", "issued for another technician"), (TECHNICIAN, "has expired")],
)
def test_a_refused_enrolment_gives_the_centre_s_reason(
    centre, issued_for: str, reason: str
) -> None:
    token = centre.token(issued_for)
    if issued_for == TECHNICIAN:
        centre.clock.advance(timedelta(days=2))
    with pytest.raises(SyncAuthFailed) as refused:
        enroll(
            centre.http,
            token=token,
            device_name="laptop",
            technician_id=TECHNICIAN,
            device_id="dev-contract-03",
            clock=centre.clock,
        )
    assert reason in refused.value.message
    assert repr(TECHNICIAN) in refused.value.message  # says who this device is
