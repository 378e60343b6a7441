"""Applying a pull: each part through its store's checks, each refusal on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.depot.sync_state import (
    UNREADABLE_SWITCH,
    SyncState,
    read_sync_state,
    write_sync_state,
)
from edge_agent.depot.updates import ApplyReport, apply_pull, next_state, pull_request
from edge_agent.jobs import read_job_book
from edge_agent.policy_store import DeviceTrust, PolicyStore
from knowledge_cache import KnowledgeStore
from policies import KeySet, read_policy_sources
from policies.defaults import SOURCE_DIR
from policies.signing import SigningKey, generate_signing_key, sign_key_set
from sync.protocol import KillSwitchState, PullResponse
from tests.edge_agent.depot.pulls import (
    PUMP,
    SHIPPED,
    enrolled_trust,
    kb_delta,
    policy_store,
    pull,
    trust_in,
)
from tests.policies.tampering import NOW, sign

JOBS = {
    "jobs": [{"job_id": "J-7", "asset_id": "A-1", "site_id": "S-1", "summary": "Pump"}],
    "assets": [{"asset_id": "A-1", "model": "P-200", "serial": "X1", "site_id": "S-1"}],
}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    """The centre's signing key. Why module-wide: key generation is not free."""
    return generate_signing_key("test-key")


@pytest.fixture(scope="module")
def next_key() -> SigningKey:
    """The key the centre rotates to."""
    return generate_signing_key("next-key")


@pytest.fixture
def trust(tmp_path: Path, key: SigningKey) -> DeviceTrust:
    """An enrolled device: it trusts the centre's key set, where ``key`` signs."""
    return enrolled_trust(tmp_path, key)


@pytest.fixture
def policy(tmp_path: Path, trust: DeviceTrust) -> PolicyStore:
    return policy_store(tmp_path, trust)


def rotation(key: SigningKey, new: SigningKey) -> str:
    """Key set version 2: ``new`` is active, ``key`` stays for what it signed."""
    second = KeySet(2, (key.public_key, new.public_key), new.key_id, (), NOW)
    return sign_key_set(second, [key, new]).encode()


@pytest.fixture
def knowledge(tmp_path: Path):
    with KnowledgeStore.open(tmp_path / "knowledge.db") as store:
        yield store


def bundle(key: SigningKey, version: int) -> str:
    return sign(key, version=version, files=read_policy_sources(SOURCE_DIR)).decode()


def apply(
    reply: PullResponse,
    policy: PolicyStore,
    knowledge: KnowledgeStore,
    tmp_path: Path,
) -> ApplyReport:
    return apply_pull(
        reply,
        trust=trust_in(tmp_path),
        policy=policy,
        knowledge=knowledge,
        jobs_file=tmp_path / "jobs.json",
        received_at="2027-03-01T12:00:00+00:00",
    )


def test_every_part_is_applied_through_its_store(
    key, next_key, trust, policy, knowledge, tmp_path
) -> None:
    reply = pull(
        key_sets=[rotation(key, next_key)],
        policy_bundle=bundle(next_key, 3),
        kb=kb_delta(next_key, pump_manual=PUMP),
        jobs=JOBS,
        jobs_version=5,
        kill_switch=KillSwitchState(tools=["order_part"], reason="recall"),
    )
    report = apply(reply, policy, knowledge, tmp_path)
    assert [(p.part, p.status) for p in report.parts] == [
        ("keys", "updated"),
        ("policy", "updated"),
        ("kb", "updated"),
        ("jobs", "updated"),
    ]
    key_set = trust.key_set()
    assert key_set is not None and key_set.active == next_key.key_id
    assert report.parts[0].version == 2
    status = policy.status()
    assert status.bundle is not None and status.bundle.version == 3
    assert knowledge.manifest().version == 1
    assert knowledge.lookup_code("E-42") or knowledge.search("inlet pressure")
    book = read_job_book(tmp_path / "jobs.json")
    assert list(book.jobs) == ["J-7"]
    assert report.kill_switch.tools == ("order_part",)
    state = next_state(SyncState(), reply, report, at="T1")
    assert (state.jobs_version, state.last_sync_at) == (5, "T1")
    assert state.kill_switch.active


def test_a_refused_bundle_is_reported_and_the_old_one_stays(
    key, policy, knowledge, tmp_path
) -> None:
    policy.install(bundle(key, 4).encode())
    report = apply(pull(policy_bundle=bundle(key, 2)), policy, knowledge, tmp_path)
    (outcome,) = report.parts
    assert outcome.status == "refused"
    assert "active policy stays" in outcome.message
    status = policy.status()
    assert status.bundle is not None and status.bundle.version == 4
    remembered = next_state(SyncState(), pull(), report, at="T").refused
    assert remembered == (outcome.message,)
    assert (
        next_state(
            SyncState(refused=remembered),
            pull(),
            ApplyReport((), report.kill_switch),
            at="T2",
        ).refused
        == ()
    )


def test_a_kb_delta_with_a_bad_signature_leaves_the_kb_intact(
    key, policy, knowledge, tmp_path
) -> None:
    apply(pull(kb=kb_delta(key, 1, pump_manual=PUMP)), policy, knowledge, tmp_path)
    forged = kb_delta(key, 2, pump_manual=PUMP.replace("low", "high"))
    forged = forged.model_copy(update={"version": 3})
    report = apply(pull(kb=forged), policy, knowledge, tmp_path)
    (outcome,) = report.parts
    assert outcome.status == "refused"
    assert "signature does not match" in outcome.message
    assert knowledge.manifest().version == 1


@pytest.mark.parametrize("signer", ["stranger", "shipped"])
def test_a_kb_delta_from_an_unknown_key_is_refused(
    signer, policy, knowledge, tmp_path
) -> None:
    # An enrolled device takes nothing new signed by the shipped key either.
    key = SHIPPED if signer == "shipped" else generate_signing_key("stranger")
    report = apply(
        pull(kb=kb_delta(key, pump_manual=PUMP)), policy, knowledge, tmp_path
    )
    assert report.parts[0].status == "refused"
    assert "does not trust" in report.parts[0].message
    assert knowledge.manifest().version == 0


def test_a_kb_delta_the_cache_refuses_leaves_it_intact(
    key, policy, knowledge, tmp_path
) -> None:
    apply(pull(kb=kb_delta(key, 2, pump_manual=PUMP)), policy, knowledge, tmp_path)
    report = apply(pull(kb=kb_delta(key, 2, notes=PUMP)), policy, knowledge, tmp_path)
    (outcome,) = report.parts
    assert outcome.status == "refused" and "not newer" in outcome.message
    assert [d.id for d in knowledge.documents()] == ["pump-manual.md"]


def test_a_bad_job_list_keeps_the_previous_one_and_its_version(
    key, policy, knowledge, tmp_path
) -> None:
    apply(pull(jobs=JOBS, jobs_version=1), policy, knowledge, tmp_path)
    broken = {"jobs": [{"job_id": "J-8"}], "assets": []}
    reply = pull(jobs=broken, jobs_version=2)
    report = apply(reply, policy, knowledge, tmp_path)
    assert report.parts[0].status == "refused"
    assert list(read_job_book(tmp_path / "jobs.json").jobs) == ["J-7"]
    assert (
        next_state(SyncState(jobs_version=1), reply, report, at="T").jobs_version == 1
    )


def test_the_pull_request_names_what_the_device_holds(
    key, policy, knowledge, tmp_path
) -> None:
    apply(
        pull(policy_bundle=bundle(key, 6), kb=kb_delta(key, 4, pump_manual=PUMP)),
        policy,
        knowledge,
        tmp_path,
    )
    request = pull_request(
        SyncState(results_cursor=9, jobs_version=2),
        trust=trust_in(tmp_path),
        policy=policy,
        knowledge=knowledge,
    )
    holds = {
        "results_after": 9,
        "policy_version": 6,
        "kb_version": 4,
        "jobs_version": 2,
        "key_set_version": 1,
    }
    assert request.model_dump(include=set(holds)) == holds
    unenrolled = trust_in(tmp_path / "not-enrolled")
    before = pull_request(
        SyncState(), trust=unenrolled, policy=policy, knowledge=knowledge
    )
    assert before.key_set_version == 0


def test_the_sync_state_survives_a_round_trip_and_damage(tmp_path: Path) -> None:
    state = SyncState(
        results_cursor=4, jobs_version=2, last_sync_at="T", refused=("no trust",)
    )
    write_sync_state(tmp_path, state)
    assert read_sync_state(tmp_path) == state
    (tmp_path / "sync_state.json").write_text("{not json")
    # Cursors start afresh; the kill switch is not known until the next sync.
    assert read_sync_state(tmp_path) == SyncState(kill_switch=UNREADABLE_SWITCH)
