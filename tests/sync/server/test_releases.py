"""Releases at the centre: one named set of model, policy, KB and app version;
which device runs which; a rollback that publishes old content under higher
versions; the signed manifest in the pull; the schema from empty and from the
previous version."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from policies import TrustedKeys, authenticate_bundle, read_policy_sources
from policies.defaults import SOURCE_DIR
from sync.protocol import KbDelta, ReleaseManifest
from sync.server.errors import PublishRefused, RecordNotFound
from sync.server.releases import ModelFile, Releases, release_history, release_state
from sync.server.storage import SCHEMA_VERSION, Storage, fleet
from sync.server.storage.audit import events
from sync.server.storage.schema import schema_migrations
from tests.sync.server.gate_support import vouch
from tests.sync.server.support import Harness, harness

MODEL = ModelFile("pump-expert.gguf", "a" * 64)
OTHER_MODEL = "b" * 64
PUMP = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    """The real service on a SQLite file."""
    with harness(tmp_path, sqlite_url) as h:
        yield h


def releases_of(h: Harness) -> Releases:
    return Releases(h.services.storage, h.services.keys, clock=h.clock)


def vouched(h: Harness) -> Releases:
    """Releases, with a passing report for the newest policy and KB with
    ``MODEL`` uploaded first (the gate's own tests are in test_gate.py)."""
    vouch(h.services.storage, model_sha256=MODEL.sha256)
    return releases_of(h)


def publish_kb(h: Harness, tmp_path: Path, name: str, text: str) -> int:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "pump.md").write_text(text)
    return h.publisher.publish_kb(folder, actor="test").version


def stricter_policy(tmp_path: Path) -> Path:
    """The default policy sources with one limit changed: other content."""
    folder = tmp_path / "stricter"
    folder.mkdir()
    for name, text in read_policy_sources(SOURCE_DIR).items():
        (folder / name).write_text(text.replace("search_kb = 1000", "search_kb = 800"))
    return folder


def first_release(h: Harness, tmp_path: Path):
    h.publish_default_policy()
    publish_kb(h, tmp_path, "kb1", PUMP)
    return vouched(h).create("spring", actor="sam", model=MODEL)


def test_a_release_is_the_newest_policy_and_kb_with_a_model_and_is_audited(
    centre: Harness, tmp_path: Path
) -> None:
    release = first_release(centre, tmp_path)

    with centre.services.storage.read() as connection:
        bundle = fleet.latest_bundle(connection)
        newest_kb = fleet.latest_kb_version(connection)
        audit = events(connection)
    assert bundle is not None
    assert (release.release_id, release.name) == (1, "spring")
    assert (release.policy_version, release.kb_version) == (bundle.version, newest_kb)
    assert (release.model_name, release.model_sha256) == (MODEL.name, MODEL.sha256)
    assert len(release.policy_sha256) == len(release.kb_sha256) == 64
    assert release.app_version and release.created_by == "sam"
    (made,) = [e for e in audit if e.event == "release_created"]
    assert made.detail["name"] == "spring" and made.actor == "sam"


def test_a_release_refuses_a_taken_name_a_number_and_a_part_not_the_newest(
    centre: Harness, tmp_path: Path
) -> None:
    releases = releases_of(centre)
    with pytest.raises(PublishRefused, match="No policy is published yet"):
        releases.create("spring", actor="sam", model=MODEL)
    release = first_release(centre, tmp_path)

    with pytest.raises(PublishRefused, match="exists already"):
        releases.create("spring", actor="sam", model=MODEL)
    with pytest.raises(PublishRefused, match="not a release name"):
        releases.create("42", actor="sam", model=MODEL)
    with pytest.raises(PublishRefused, match="not the newest published"):
        releases.create(
            "old", actor="sam", model=MODEL, kb_version=release.kb_version - 1
        )
    with pytest.raises(PublishRefused, match="not a SHA-256"):
        ModelFile.named("x.gguf", "12ab")
    assert len(release_history(centre.services.storage).releases) == 1


def test_a_device_gets_the_signed_manifest_and_runs_the_release_it_reports(
    centre: Harness, tmp_path: Path
) -> None:
    release = first_release(centre, tmp_path)
    device = centre.enrol("dev-release-1")
    other = centre.enrol("dev-release-2", technician="ben")

    reply = device.pull(release_id=0, model="pump-expert.gguf", model_sha256="a" * 64)
    manifest = ReleaseManifest.model_validate(reply.json()["release"])
    centre.clock.advance(timedelta(minutes=5))
    device.pull(
        release_id=1,
        policy_version=release.policy_version,
        kb_version=release.kb_version,
    )
    other.pull(
        release_id=0,
        policy_version=release.policy_version,
        kb_version=release.kb_version,
        model_sha256=OTHER_MODEL,
    )

    key = centre.key.public_key
    TrustedKeys.of(key).public_key(manifest.key_id).verify(  # type: ignore[union-attr]
        base64.b64decode(manifest.signature), manifest.signed_bytes()
    )
    assert manifest.allows("a" * 64) and not manifest.allows(OTHER_MODEL)
    assert (manifest.release_id, manifest.kb_sha256) == (1, release.kb_sha256)
    storage = centre.services.storage
    state = release_state(storage, "spring")
    assert [d.device_id for d in state.running] == ["dev-release-1"]
    assert state.newest and not state.converged and state.active == 2
    history = release_history(storage)
    assert [c.devices for c in history.releases] == [1]
    assert [d.device_id for d in history.without_release] == ["dev-release-2"]
    # A device holding the newest manifest is not sent it again.
    assert "release" not in device.pull(release_id=1).json()


def test_an_app_that_takes_no_manifests_gets_a_reply_without_the_field(
    centre: Harness, tmp_path: Path
) -> None:
    first_release(centre, tmp_path)
    device = centre.enrol()

    reply = device.pull()  # as older apps ask: no release_id

    assert reply.status_code == 200 and "release" not in reply.json()


def test_rollback_publishes_the_old_content_again_under_higher_versions(
    tmp_path: Path, database_url: str
) -> None:
    with harness(tmp_path, database_url) as h:
        first = first_release(h, tmp_path)
        h.publisher.publish_policy_dir(
            stricter_policy(tmp_path), expires_in=timedelta(days=30), actor="test"
        )
        publish_kb(h, tmp_path, "kb2", PUMP.replace("low", "too low"))
        second = vouched(h).create("summer", actor="sam", model=MODEL)
        h.services.keys.rotate()  # the old bundle's key is retired since
        device = h.enrol("dev-rollback-1")
        device.pull(
            release_id=2,
            policy_version=second.policy_version,
            kb_version=second.kb_version,
            model_sha256=MODEL.sha256,
        )
        h.clock.advance(timedelta(minutes=1))

        done = releases_of(h).rollback(reason="pressure texts wrong", actor="sam")
        h.clock.advance(timedelta(minutes=3))
        reply = device.pull(
            release_id=2,
            policy_version=second.policy_version,
            kb_version=second.kb_version,
        ).json()
        release = done.release
        device.pull(
            release_id=3,
            policy_version=release.policy_version,
            kb_version=release.kb_version,
        )
        storage = h.services.storage
        with storage.read() as connection:
            old_bundle = fleet.bundle(connection, first.policy_version)
            old_kb = fleet.kb_version(connection, first.kb_version)
            audit = events(connection)
        state = release_state(storage)

    assert (done.rolled_back.name, done.restored.name) == ("summer", "spring")
    assert done.policy_republished and done.kb_republished
    assert release.policy_version > second.policy_version
    assert release.kb_version > second.kb_version
    assert (release.rollback_of, release.restores) == (2, 1)
    assert (release.policy_sha256, release.kb_sha256) == (
        first.policy_sha256,
        first.kb_sha256,
    )
    assert release.model_sha256 == MODEL.sha256 and release.name == "spring-rollback-3"
    # What devices get: the old files, under the new versions, signed anew.
    bundle = authenticate_bundle(
        reply["policy_bundle"].encode(), h.services.keys.current().key_set.trusted
    )
    assert bundle.version == release.policy_version
    assert bundle.manifest.key_id == h.services.keys.signing_key().key_id
    assert old_bundle is not None and old_kb is not None
    assert dict(bundle.files) == json.loads(old_bundle.document)["files"]
    kb = KbDelta.model_validate(reply["kb"])
    assert kb.version == release.kb_version
    assert kb.files == KbDelta.model_validate_json(old_kb["snapshot"]).files
    assert reply["release"]["release_id"] == 3
    # The device converged; the view says when, counted from the rollback.
    assert state.release.release_id == 3 and state.converged
    assert state.convergence is not None
    assert timedelta(minutes=3) <= state.convergence < timedelta(minutes=3, seconds=1)
    assert state.rolled_back is not None and state.rolled_back.name == "summer"
    (rolled,) = [e for e in audit if e.event == "release_rolled_back"]
    assert rolled.detail["reason"] == "pressure texts wrong"


def test_rollback_publishes_only_the_parts_whose_content_changed(
    centre: Harness, tmp_path: Path
) -> None:
    first = first_release(centre, tmp_path)
    publish_kb(centre, tmp_path, "kb2", PUMP + "\nE-43 means a dry run.\n")
    vouched(centre).create("kb-only", actor="sam", model=MODEL)

    done = releases_of(centre).rollback(to="spring", reason="E-43 is wrong", actor="a")

    assert not done.policy_republished and done.kb_republished
    assert done.release.policy_version == first.policy_version
    assert done.release.kb_version == first.kb_version + 2


def test_rollback_signs_an_expired_policy_again_even_with_the_same_content(
    centre: Harness, tmp_path: Path
) -> None:
    first = first_release(centre, tmp_path)
    publish_kb(centre, tmp_path, "kb2", PUMP + "\nE-43 means a dry run.\n")
    vouched(centre).create("kb-only", actor="sam", model=MODEL)
    centre.clock.advance(timedelta(days=31))  # the bundle was valid for 30

    done = releases_of(centre).rollback(reason="E-43 is wrong", actor="sam")

    assert done.policy_republished
    assert done.release.policy_version == first.policy_version + 1
    with centre.services.storage.read() as connection:
        bundle = fleet.latest_bundle(connection)
    assert bundle is not None and bundle.expires_at > centre.clock.now


def test_rollback_needs_a_reason_and_a_release_before_the_newest(
    centre: Harness, tmp_path: Path
) -> None:
    releases = releases_of(centre)
    with pytest.raises(PublishRefused, match="nothing to roll back"):
        releases.rollback(reason="why", actor="sam")
    first_release(centre, tmp_path)

    with pytest.raises(PublishRefused, match="Say why"):
        releases.rollback(reason=" ", actor="sam")
    with pytest.raises(PublishRefused, match="is the first"):
        releases.rollback(reason="why", actor="sam")
    with pytest.raises(PublishRefused, match="newest already"):
        releases.rollback(to="spring", reason="why", actor="sam")
    with pytest.raises(RecordNotFound, match="No release is named"):
        releases.rollback(to="autumn", reason="why", actor="sam")


def test_a_version_two_database_gains_releases(
    tmp_path: Path, database_url: str
) -> None:
    storage = Storage.open(database_url)
    with storage.write() as connection:  # as a version 2 centre left it
        connection.execute(sa.text("DROP TABLE releases"))
        for column in ("model_sha256", "release_id", "release_since"):
            connection.execute(sa.text(f"ALTER TABLE devices DROP COLUMN {column}"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 3)
        )
    storage.close()

    upgraded = Storage.open(database_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        inspector = sa.inspect(upgraded.engine)
        columns = {c["name"] for c in inspector.get_columns("devices")}
        assert {"model_sha256", "release_id", "release_since"} <= columns
        assert "releases" in inspector.get_table_names()
    finally:
        upgraded.close()
    with harness(tmp_path, database_url) as h:
        assert first_release(h, tmp_path).release_id == 1
        device = h.enrol()
        assert device.pull(release_id=0).json()["release"]["name"] == "spring"
