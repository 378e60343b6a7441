"""A device trusts the shipped keys until it enrols, then the centre's key set
only: it follows rotations at each sync, runs what the centre's current keys
signed, and refuses what a revoked or unknown key signed, keeping what runs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from edge_agent.depot.updates import ApplyReport, apply_pull
from edge_agent.policy_store import DeviceTrust, PolicyStore
from knowledge_cache import KnowledgeStore
from policies import KeySet, TrustedKeys, read_policy_sources
from policies.defaults import SOURCE_DIR
from policies.encoding import encode_base64
from policies.signing import SigningKey, generate_signing_key, sign_key_set
from sync.protocol import KbDelta, PullResponse
from sync.server.centre_keys import CentreKeys
from tests.policies.tampering import NOW, sign
from tests.sync.server.support import Clock

MANUAL = "# Pump P-200\n\nE-42 means the inlet pressure is low.\n"


@pytest.fixture(scope="module")
def shipped() -> SigningKey:
    """Stands for the key the app ships (its private half is not kept)."""
    return generate_signing_key("shipped")


@pytest.fixture
def centre(tmp_path: Path) -> CentreKeys:
    return CentreKeys(tmp_path / "centre-keys", clock=Clock())


@pytest.fixture
def trust(tmp_path: Path, shipped: SigningKey) -> DeviceTrust:
    return DeviceTrust(
        tmp_path / "centre-keys.json", TrustedKeys.of(shipped.public_key)
    )


@pytest.fixture
def knowledge(tmp_path: Path):
    with KnowledgeStore.open(tmp_path / "knowledge.db") as store:
        yield store


def store_for(trust: DeviceTrust, tmp_path: Path) -> PolicyStore:
    return PolicyStore(
        tmp_path / "policy",
        trust.accepted(),
        kept_keys=trust.kept(),
        clock=lambda: NOW,
    )


def bundle(key: SigningKey, version: int) -> str:
    return sign(key, version=version, files=read_policy_sources(SOURCE_DIR)).decode()


def snapshot(key: SigningKey, version: int) -> KbDelta:
    files = {"pump.md": base64.b64encode(MANUAL.encode()).decode()}
    unsigned = KbDelta(
        version=version, base_version=None, files=files, signature="", key_id=key.key_id
    )
    return unsigned.model_copy(
        update={"signature": encode_base64(key.sign(unsigned.signed_bytes()))}
    )


def sync(
    centre: CentreKeys,
    trust: DeviceTrust,
    policy: PolicyStore,
    knowledge: KnowledgeStore,
    tmp_path: Path,
    **parts,
) -> ApplyReport:
    """One pull as the centre answers it: its key sets above the device's."""
    have = trust.key_set()
    key_sets = centre.documents_after(have.version) if have else []
    reply = PullResponse.model_validate(
        {"results": [], "results_cursor": 0, "key_sets": key_sets, **parts}
    )
    return apply_pull(
        reply,
        trust=trust,
        policy=policy,
        knowledge=knowledge,
        jobs_file=tmp_path / "jobs.json",
        received_at="2027-03-01T12:00:00+00:00",
    )


def outcomes(report: ApplyReport) -> dict[str, str]:
    return {part.part: part.status for part in report.parts}


def test_before_enrolment_the_shipped_keys_are_trusted(
    trust: DeviceTrust, shipped: SigningKey, tmp_path: Path
) -> None:
    policy = store_for(trust, tmp_path)

    assert policy.install(bundle(shipped, 1).encode()).version == 1
    assert trust.key_set() is None and trust.kept().ids == ()


def test_after_enrolment_the_shipped_bundle_runs_but_nothing_new_it_signed(
    centre, trust, shipped, knowledge, tmp_path
) -> None:
    store_for(trust, tmp_path).install(bundle(shipped, 1).encode())
    trust.adopt(centre.current().encode())
    policy = store_for(trust, tmp_path)

    assert policy.status().actions_allowed  # the shipped bundle keeps working
    report = sync(
        centre, trust, policy, knowledge, tmp_path, policy_bundle=bundle(shipped, 2)
    )
    assert outcomes(report) == {"policy": "refused"}
    assert "does not trust" in report.parts[0].message

    centre_bundle = bundle(centre.signing_key(), 2)
    report = sync(
        centre, trust, policy, knowledge, tmp_path, policy_bundle=centre_bundle
    )
    assert outcomes(report) == {"policy": "updated"}
    assert policy.status().bundle.manifest.key_id == centre.signing_key().key_id


def test_a_device_follows_rotations_it_missed_and_runs_the_new_keys_work(
    centre, trust, knowledge, tmp_path
) -> None:
    trust.adopt(centre.current().encode())
    policy = store_for(trust, tmp_path)
    centre.rotate()
    newest = centre.rotate()  # two rotations while the device was away

    report = sync(
        centre,
        trust,
        policy,
        knowledge,
        tmp_path,
        policy_bundle=bundle(centre.signing_key(), 2),
        kb=snapshot(centre.signing_key(), 1),
    )

    assert outcomes(report) == {"keys": "updated", "policy": "updated", "kb": "updated"}
    assert trust.key_set() == newest
    assert knowledge.manifest().version == 1
    assert policy.status().bundle.manifest.key_id == newest.active


def test_what_a_revoked_key_signs_is_refused_and_the_running_policy_stays(
    centre, trust, knowledge, tmp_path
) -> None:
    trust.adopt(centre.current().encode())
    policy = store_for(trust, tmp_path)
    leaked = centre.signing_key()
    centre.rotate()
    sync(
        centre,
        trust,
        policy,
        knowledge,
        tmp_path,
        policy_bundle=bundle(centre.signing_key(), 2),
    )
    centre.revoke(leaked.key_id)

    report = sync(
        centre,
        trust,
        policy,
        knowledge,
        tmp_path,
        policy_bundle=bundle(leaked, 3),
        kb=snapshot(leaked, 1),
    )

    assert outcomes(report) == {"keys": "updated", "policy": "refused", "kb": "refused"}
    status = policy.status()
    assert status.actions_allowed and status.bundle.version == 2
    assert knowledge.manifest().version == 0


def test_a_key_set_the_chain_does_not_vouch_for_is_refused_with_its_bundle(
    centre, trust, knowledge, tmp_path
) -> None:
    trust.adopt(centre.current().encode())
    policy = store_for(trust, tmp_path)
    sync(
        centre,
        trust,
        policy,
        knowledge,
        tmp_path,
        policy_bundle=bundle(centre.signing_key(), 2),
    )
    intruder = generate_signing_key("intruder")
    forged = KeySet(2, (intruder.public_key,), "intruder", (), NOW)
    reply = PullResponse(
        results=[],
        results_cursor=0,
        key_sets=[sign_key_set(forged, [intruder]).encode()],
        policy_bundle=bundle(intruder, 3),
    )

    report = apply_pull(
        reply,
        trust=trust,
        policy=policy,
        knowledge=knowledge,
        jobs_file=tmp_path / "jobs.json",
        received_at="2027-03-01T12:00:00+00:00",
    )

    assert outcomes(report) == {"keys": "refused", "policy": "refused"}
    assert trust.key_set().version == 1
    assert policy.status().bundle.version == 2


def test_a_damaged_key_set_file_is_named_in_the_error(
    trust: DeviceTrust, centre: CentreKeys
) -> None:
    trust.adopt(centre.current().encode())
    trust.path.write_text("{ damaged")

    with pytest.raises(Exception, match="centre-keys.json is damaged"):
        trust.accepted()


def test_an_update_the_centre_did_not_send_is_reported_like_a_refusal(
    centre, trust, knowledge, tmp_path
) -> None:
    trust.adopt(centre.current().encode())
    policy = store_for(trust, tmp_path)
    why = "The centre's newest knowledge base is version 2, below version 5 ..."

    report = sync(
        centre,
        trust,
        policy,
        knowledge,
        tmp_path,
        skipped=[{"part": "kb", "message": why}],
    )

    assert [(p.part, p.status, p.message) for p in report.parts] == [
        ("kb", "refused", why)
    ]
