"""The release gate at the centre: reports uploaded by signed devices and
kept once; the thresholds (defaults, ``gate.toml``, ``gate set``); a release
refused without a passing report for exactly its parts, or published over
the gate with a recorded override; the schema from the previous version."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sync.evaluation_protocol import EvaluationReport
from sync.protocol import MAX_REPORT_BYTES
from sync.server.__main__ import main
from sync.server.errors import ConfigInvalid, PublishRefused
from sync.server.gate import GateConfig, Parts, differences, judge
from sync.server.gate_config import gate_path, load_gate, set_gate_value
from sync.server.releases import ModelFile, Releases, release_history, release_state
from sync.server.releases.parts import app_version, kb_sha256, policy_sha256
from sync.server.releases.reports import report_listing
from sync.server.storage import SCHEMA_VERSION, Storage, fleet
from sync.server.storage.audit import events
from sync.server.storage.schema import schema_migrations
from tests.sync.server.gate_support import report_document
from tests.sync.server.support import Harness, harness

MODEL = ModelFile("pump-expert.gguf", "a" * 64)
PATH = "/v1/evaluation-reports"


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    """The real service on a SQLite file, with a policy and a KB published."""
    with harness(tmp_path, sqlite_url) as h:
        h.publish_default_policy()
        folder = tmp_path / "kb"
        folder.mkdir()
        (folder / "pump.md").write_text("# Pump\n\nE-42 means low inlet pressure.\n")
        h.publisher.publish_kb(folder, actor="test")
        yield h


def newest_parts(h: Harness) -> dict[str, str]:
    with h.services.storage.read() as connection:
        bundle = fleet.latest_bundle(connection)
        snapshot = fleet.kb_version(connection, fleet.latest_kb_version(connection))
    assert bundle is not None and snapshot is not None
    return {
        "model_sha256": MODEL.sha256,
        "policy": policy_sha256(bundle.document),
        "kb": kb_sha256(snapshot["snapshot"]),
        "app": app_version(),
    }


def upload(h: Harness, document: dict[str, Any], device_id: str = "dev-depot-01"):
    device = h.enrol(device_id, technician="ann")
    body = json.dumps(document).encode()
    return device.post(PATH, body), body


def releases_of(h: Harness) -> Releases:
    return Releases(h.services.storage, h.services.keys, clock=h.clock)


def test_a_report_from_a_signed_device_is_kept_once_with_its_sha256_and_uploader(
    centre: Harness,
) -> None:
    reply, body = upload(centre, report_document(**newest_parts(centre)))
    device = centre.enrol("dev-depot-02", technician="ann")
    again = device.post(PATH, body)

    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "report_id": 1,
        "sha256": hashlib.sha256(body).hexdigest(),
        "new": True,
    }
    assert again.json()["report_id"] == 1 and again.json()["new"] is False
    listing = report_listing(centre.services.storage, GateConfig())
    (listed,) = listing.reports
    assert (listed.stored.device_id, listed.stored.technician_id) == (
        "dev-depot-01",
        "ann",
    )
    assert listed.verdict.passed and listed.releases == ()
    with centre.services.storage.read() as connection:
        (event,) = [
            e for e in events(connection) if e.event == "evaluation_report_uploaded"
        ]
    assert event.actor == "device:dev-depot-01" and event.detail["report_id"] == 1


def test_a_report_with_a_bad_signature_is_401_an_oversize_one_413_a_bad_one_422(
    centre: Harness,
) -> None:
    device = centre.enrol("dev-depot-01")
    body = json.dumps(report_document(**newest_parts(centre))).encode()

    forged = device.post(PATH, body, secret="not-the-device-secret")
    oversize = device.post(PATH, b" " * (MAX_REPORT_BYTES + 1))
    missing = device.post(PATH, json.dumps({"report_format": 1}).encode())

    assert forged.status_code == 401
    assert forged.json()["error"] == "not_authenticated"
    assert oversize.status_code == 413
    assert missing.status_code == 422
    assert "does not follow the protocol: created_at" in missing.json()["detail"]
    assert report_listing(centre.services.storage, GateConfig()).reports == ()


def test_a_release_needs_a_passing_report_for_exactly_its_parts(
    centre: Harness,
) -> None:
    parts = newest_parts(centre)
    with pytest.raises(PublishRefused, match="no evaluation report has been"):
        releases_of(centre).create("spring", actor="sam", model=MODEL)
    upload(centre, report_document(**{**parts, "kb": "c" * 64}))

    with pytest.raises(PublishRefused) as refused:
        releases_of(centre).create("spring", actor="sam", model=MODEL)
    assert f"KB content sha256 is {'c' * 12} in the report" in refused.value.message
    assert "model sha256" not in refused.value.message

    upload(centre, report_document(**parts), device_id="dev-depot-02")
    release = releases_of(centre).create("spring", actor="sam", model=MODEL)
    state = release_state(centre.services.storage)
    assert state.gate is not None and state.gate.report_id == 2
    assert not state.gate.overridden and state.override is None
    assert release.release_id == 1


def test_a_failing_report_names_its_figures_and_cases_until_overridden(
    centre: Harness,
) -> None:
    figures = {"question": {"hit_at_1": 0.5, "hit_at_5": 0.6, "facts_found": 1.0}}
    cases = [
        {"id": "q-1", "kind": "question", "passed": False, "problems": ["missed"]},
        {"id": "q-2", "kind": "question", "passed": True},
    ]
    document = report_document(**newest_parts(centre), figures=figures, cases=cases)
    upload(centre, document)
    gate = GateConfig(kinds=("question", "policy"))

    with pytest.raises(PublishRefused) as refused:
        releases_of(centre).create("spring", actor="sam", model=MODEL, gate=gate)
    message = refused.value.message
    assert "question hit@5 0.600 (needs at least 0.950)" in message
    assert "question must-not-say violations not measured" in message
    assert "policy cases not measured (needs the kind to be run)" in message
    assert "Failing cases (1): question q-1: missed" in message
    with pytest.raises(PublishRefused, match="Say why"):
        releases_of(centre).create(
            "spring", actor="sam", model=MODEL, gate=gate, override=" "
        )
    assert release_history(centre.services.storage).releases == ()

    releases_of(centre).create(
        "spring", actor="sam", model=MODEL, gate=gate, override="urgent fix"
    )

    storage = centre.services.storage
    state = release_state(storage)
    assert state.gate is not None and state.gate.overridden
    assert state.gate.reason == "urgent fix" and state.gate.report_id == 1
    assert any("hit@5" in failure for failure in state.gate.failures)
    assert state.gate.gate["kinds"] == ["question", "policy"]
    assert state.override is not None and state.override.release.name == "spring"
    assert report_listing(storage, gate).override is not None
    with storage.read() as connection:
        (event,) = [
            e for e in events(connection) if e.event == "release_gate_overridden"
        ]
    assert event.actor == "sam" and event.detail["reason"] == "urgent fix"


def test_a_later_release_through_the_gate_ends_the_override_in_force(
    centre: Harness, tmp_path: Path
) -> None:
    releases_of(centre).create("spring", actor="sam", model=MODEL, override="urgent")
    folder = tmp_path / "kb2"
    folder.mkdir()
    (folder / "pump.md").write_text("# Pump\n\nE-42 means the inlet is dry.\n")
    centre.publisher.publish_kb(folder, actor="test")
    upload(centre, report_document(**newest_parts(centre)))

    releases_of(centre).create("summer", actor="sam", model=MODEL)
    assert release_state(centre.services.storage).override is None
    rolled = releases_of(centre).rollback(reason="back to spring", actor="sam")

    # The rollback brings back content that shipped over the gate.
    state = release_state(centre.services.storage)
    assert state.release.release_id == rolled.release.release_id and state.gate is None
    assert state.override is not None and state.override.release.name == "spring"


def test_the_gate_compares_with_the_baseline_when_the_report_has_one() -> None:
    document = report_document(
        model_sha256="a" * 64,
        policy="b" * 64,
        kb="c" * 64,
        app="1",
        figures={
            "question": {
                "hit_at_1": 0.80,
                "hit_at_5": 0.985,
                "facts_found": 1.0,
                "must_not_say_violations": 0,
            },
            "photo": {"recall": 0.95, "precision": 1.0},
        },
    )
    document["comparison"] = {
        "figures": [
            {"kind": "question", "figure": "hit_at_1", "baseline": 0.79},
            {"kind": "question", "figure": "hit_at_5", "baseline": 1.0},
            {"kind": "photo", "figure": "recall", "baseline": 0.96},
            {"kind": "photo", "figure": "precision", "baseline": 1.0},
        ]
    }
    report = EvaluationReport.model_validate(document)

    verdict = judge(report, GateConfig(kinds=("question", "photo")))

    assert verdict.failures == (
        "question hit@5 0.985 (needs a drop of at most 1 point(s) from the "
        "baseline's 1)",
        "photo recall 0.950 (needs not lower than the baseline's 0.960)",
    )
    lenient = GateConfig(kinds=("question",), max_drop_hit_at_5=2.0)
    assert judge(report, lenient).passed


def test_a_report_without_a_model_vouches_for_a_model_only_when_the_gate_says() -> None:
    parts = Parts("m.gguf", "a" * 64, "b" * 64, "c" * 64, "1")
    report = EvaluationReport.model_validate(
        report_document(model_sha256="none", policy="b" * 64, kb="c" * 64, app="1")
    )

    (why,) = differences(report, parts, GateConfig())

    assert "without a model (--no-model)" in why and "m.gguf" in why
    assert differences(report, parts, GateConfig(model_must_run=False)) == []


def test_gate_set_writes_the_file_and_show_lists_every_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--data-dir", str(tmp_path)]

    assert main([*base, "release", "gate", "set", "kinds", "question,policy"]) == 0
    assert main([*base, "release", "gate", "set", "max_drop_hit_at_5", "2"]) == 0
    bad_key = main([*base, "release", "gate", "set", "speed", "1"])
    _, err = capsys.readouterr()
    bad_value = main([*base, "release", "gate", "set", "min_hit_at_1", "1.5"])
    _, err2 = capsys.readouterr()
    assert main([*base, "release", "gate", "show"]) == 0
    out, _ = capsys.readouterr()

    assert bad_key == 1 and "'speed' is not a threshold" in err
    assert bad_value == 1 and "between 0 and 1" in err2
    assert "kinds = question,policy (set here)" in out
    assert "max_drop_hit_at_5 = 2.0 (set here)" in out
    assert "max_policy_mismatches = 0  # policy decisions" in out
    gate = load_gate(tmp_path)
    assert gate.kinds == ("question", "policy") and gate.max_drop_hit_at_5 == 2.0
    assert "max_drop_hit_at_5 = 2.0" in gate_path(tmp_path).read_text()


def test_a_gate_file_the_centre_cannot_read_is_said_and_stops_releases(
    tmp_path: Path,
) -> None:
    gate_path(tmp_path).write_text('kinds = ["questions"]\n')
    with pytest.raises(ConfigInvalid, match="questions is not a kind"):
        load_gate(tmp_path)
    gate_path(tmp_path).write_text("kinds = \n")
    with pytest.raises(ConfigInvalid, match="cannot be read"):
        load_gate(tmp_path)
    with pytest.raises(ConfigInvalid):
        set_gate_value(tmp_path, "max_policy_mismatches", "1")


def test_a_version_three_database_gains_reports_and_gate_records(
    database_url: str,
) -> None:
    storage = Storage.open(database_url)
    with storage.write() as connection:  # as a version 3 centre left it
        connection.execute(sa.text("DROP TABLE evaluation_reports"))
        connection.execute(sa.text("DROP TABLE release_gates"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 4)
        )
    storage.close()

    upgraded = Storage.open(database_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        tables = sa.inspect(upgraded.engine).get_table_names()
        assert {"evaluation_reports", "release_gates"} <= set(tables)
        assert upgraded.migrate() == 0
    finally:
        upgraded.close()
