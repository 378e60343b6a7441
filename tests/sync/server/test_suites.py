"""Evaluation suites versioned at the centre: ``edge-governance suite
publish|list|show|export`` on a real SQLite file, the checks a suite must
pass before it is published, the signed device endpoint that hands one out,
the schema from the previous version, and the gate asking for the newest
published suite."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from edge_agent.evaluation import demo_suite_path, load_suite
from sync.evaluation_protocol import EvaluationReport
from sync.server.__main__ import main
from sync.server.errors import PublishRefused
from sync.server.gate_config import set_gate_value
from sync.server.releases import ModelFile, Releases
from sync.server.releases.parts import app_version, kb_sha256, policy_sha256
from sync.server.storage import SCHEMA_VERSION, Storage, fleet
from sync.server.storage.audit import events
from sync.server.storage.evaluation_reports import add_report
from sync.server.storage.schema import schema_migrations
from sync.suite_archive import read_suite_archive
from tests.sync.server.gate_support import report_document
from tests.sync.server.support import Harness, harness

MODEL = ModelFile("pump-expert.gguf", "a" * 64)
SUITE_PATH = "/v1/evaluation-suite"


@pytest.fixture
def cli(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run ``edge-governance`` on the test database as supervisor ``sam``."""

    def run(*args: str) -> tuple[int, str, str]:
        base = ["--database-url", sqlite_url, "--data-dir", str(tmp_path / "data")]
        code = main([*base, "--as", "sam", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A copy of the demo suite, to change, plus a file no case names."""
    folder = tmp_path / "suite"
    shutil.copytree(demo_suite_path(), folder)
    (folder / "NOTES.txt").write_text("how the photos were taken\n")
    return folder


def edit(folder: Path, change) -> None:
    """Rewrite ``suite.json`` after ``change(document)``."""
    file = folder / "suite.json"
    document = json.loads(file.read_text("utf-8"))
    change(document)
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")


def test_the_demo_suite_is_published_as_version_one_and_reads_back_whole(
    cli, suite: Path, tmp_path: Path
) -> None:
    code, out, err = cli("suite", "publish", str(suite), "--note", "demo fleet")
    assert code == 0, err
    assert out.startswith("Published evaluation suite v1: Demo fleet")
    assert "NOTES.txt" in err and "Left out 1 file" in err

    shown = json.loads(cli("suite", "show", "--json")[1])
    (listed,) = json.loads(cli("suite", "list", "--json")[1])
    code, said, _ = cli("suite", "export", "--out", str(tmp_path / "exported"))

    loaded = load_suite(demo_suite_path())
    assert shown == listed
    assert shown["version"] == 1 and shown["published_by"] == "sam"
    assert shown["note"] == "demo fleet"
    assert shown["cases"] == {
        kind: len(loaded.of_kind(kind))
        for kind in ("question", "photo", "policy", "injection")
    }
    # The centre names the suite as the device does when it loads it.
    assert shown["sha256"] == loaded.sha256
    assert code == 0 and "v1" in said
    exported = load_suite(tmp_path / "exported")
    assert exported.sha256 == loaded.sha256
    assert not (tmp_path / "exported" / "NOTES.txt").exists()
    text = cli("suite", "show")[1]
    assert "cases: 68 cases (38 question, 4 photo, 20 policy, 6 injection)" in text
    assert "by sam" in text and "note: demo fleet" in text


def test_the_same_suite_twice_is_refused_and_versions_only_go_up(
    cli, suite: Path, sqlite_url: str, tmp_path: Path
) -> None:
    assert cli("suite", "publish", str(suite))[0] == 0
    code, _, err = cli("suite", "publish", str(suite))
    assert code == 6
    assert "is the newest published one already: v1" in err
    assert "Nothing was published" in err

    edit(suite, lambda d: d["cases"].pop())
    assert cli("suite", "publish", str(suite), "--note", "one case fewer")[0] == 0
    shutil.rmtree(suite)
    shutil.copytree(demo_suite_path(), suite)
    # Back to the first content: not the newest, so it is a new version.
    assert cli("suite", "publish", str(suite), "--note", "back")[0] == 0

    listed = json.loads(cli("suite", "list", "--json")[1])
    assert [(s["version"], s["note"]) for s in listed] == [
        (3, "back"),
        (2, "one case fewer"),
        (1, ""),
    ]
    assert listed[0]["sha256"] == listed[2]["sha256"] != listed[1]["sha256"]
    assert cli("suite", "export", "2", "--out", str(tmp_path / "v2"))[0] == 0
    assert len(load_suite(tmp_path / "v2").cases) == 67
    storage = Storage.open(sqlite_url)
    try:
        with storage.read() as connection:
            published = [
                e for e in events(connection) if e.event == "evaluation_suite_published"
            ]
    finally:
        storage.close()
    assert [(e.actor, e.detail["version"]) for e in published] == [
        ("sam", 1),
        ("sam", 2),
        ("sam", 3),
    ]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda folder: (folder / "photos" / "nameplate.png").unlink(),
            "case photo-nameplate names photos/nameplate.png, which is not in",
        ),
        (
            lambda folder: edit(
                folder, lambda d: d["cases"][0].update(kind="questionnaire")
            ),
            '"kind" must be one of question, photo, policy, injection '
            "(got 'questionnaire')",
        ),
        (
            lambda folder: (folder / "suite.json").write_text('{"cases": [}'),
            "suite.json is not valid JSON (line 1, column 12",
        ),
        (
            lambda folder: edit(folder, lambda d: d.update(jobs="../jobs.json")),
            '"jobs" must be a path relative to the suite folder, inside it',
        ),
        (
            lambda folder: (folder / "jobs.json").write_text("not json"),
            "jobs.json is not valid JSON",
        ),
    ],
    ids=["missing-photo", "unknown-kind", "bad-json", "path-outside", "bad-jobs"],
)
def test_a_suite_the_centre_cannot_use_is_refused_naming_the_problem(
    cli, suite: Path, change, named: str
) -> None:
    change(suite)

    code, out, err = cli("suite", "publish", str(suite))

    assert code == 6 and out == ""
    assert named in err and "Nothing was published" in err
    assert json.loads(cli("suite", "list", "--json")[1]) == []


def test_a_missing_folder_or_an_unpublished_version_says_what_to_do(
    cli, tmp_path: Path
) -> None:
    code, _, err = cli("suite", "publish", str(tmp_path / "nowhere"))
    assert code == 6 and "is not a folder: give the suite's folder" in err
    code, _, err = cli("suite", "show")
    assert code == 1 and "edge-governance suite publish DIR" in err
    code, _, err = cli("suite", "export", "4", "--out", str(tmp_path / "out"))
    assert code == 1 and "No evaluation suite v4 is published" in err
    assert not (tmp_path / "out").exists()


def test_export_never_writes_into_a_folder_that_holds_files(
    cli, suite: Path, tmp_path: Path
) -> None:
    assert cli("suite", "publish", str(suite))[0] == 0
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "mine.txt").write_text("mine")

    code, _, err = cli("suite", "export", "--out", str(kept))

    assert code == 1 and "is not an empty folder; nothing was written" in err
    assert [p.name for p in kept.iterdir()] == ["mine.txt"]


def test_a_signed_device_gets_the_newest_or_the_version_it_asks_for(
    tmp_path: Path, sqlite_url: str, suite: Path, cli
) -> None:
    with harness(tmp_path, sqlite_url) as centre:
        device = centre.enrol()
        none_yet = device.post(SUITE_PATH, b"{}")
        assert cli("suite", "publish", str(suite))[0] == 0
        edit(suite, lambda d: d["cases"].pop())
        assert cli("suite", "publish", str(suite))[0] == 0

        newest = device.post(SUITE_PATH, b"{}")
        first = device.post(SUITE_PATH, b'{"version": 1}')
        missing = device.post(SUITE_PATH, b'{"version": 9}')
        forged = device.post(SUITE_PATH, b"{}", secret="not-the-device-secret")

    assert none_yet.status_code == 404
    assert "edge-governance suite publish" in none_yet.json()["detail"]
    assert newest.status_code == 200 and newest.json()["version"] == 2
    body = first.json()
    archive = base64.b64decode(body["archive"])
    assert body["version"] == 1
    assert hashlib.sha256(archive).hexdigest() == body["archive_sha256"]
    files = read_suite_archive(archive)
    assert files["suite.json"] == (demo_suite_path() / "suite.json").read_bytes()
    assert "NOTES.txt" not in files and "photos/nameplate.png" in files
    assert missing.status_code == 404 and "v9" in missing.json()["detail"]
    assert forged.status_code == 401


def test_a_version_four_database_gains_the_suites_table(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    with storage.write() as connection:  # as a version 4 centre left it
        connection.execute(sa.text("DROP TABLE evaluation_suites"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 8)
        )
    storage.close()

    upgraded = Storage.open(sqlite_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        assert "evaluation_suites" in sa.inspect(upgraded.engine).get_table_names()
        assert upgraded.migrate() == 0
    finally:
        upgraded.close()


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str):
    """The real service with a policy and a KB published."""
    with harness(tmp_path, sqlite_url) as h:
        h.publish_default_policy()
        folder = tmp_path / "kb"
        folder.mkdir()
        (folder / "pump.md").write_text("# Pump\n\nE-42 means low inlet pressure.\n")
        h.publisher.publish_kb(folder, actor="test")
        yield h


def store_report(h: Harness, suite_sha256: str) -> int:
    """A passing report for the newest policy and KB, made on this suite."""
    with h.services.storage.write() as connection:
        bundle = fleet.latest_bundle(connection)
        snapshot = fleet.kb_version(connection, fleet.latest_kb_version(connection))
        assert bundle is not None and snapshot is not None
        document = report_document(
            model_sha256=MODEL.sha256,
            policy=policy_sha256(bundle.document),
            kb=kb_sha256(snapshot["snapshot"]),
            app=app_version(),
        )
        document["suite"]["sha256"] = suite_sha256
        text = json.dumps(document)
        report_id, _ = add_report(
            connection,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            document=text,
            report=EvaluationReport.model_validate(document),
            device_id="depot-laptop",
            technician_id="ann",
            at=h.clock(),
        )
    return report_id


def test_the_gate_refuses_a_report_made_on_an_older_suite(
    centre: Harness, suite: Path, tmp_path: Path
) -> None:
    suites = centre.services.suites
    first = suites.publish(suite, note="", actor="sam").suite
    store_report(centre, first.sha256)
    edit(suite, lambda d: d["cases"].pop())
    suites.publish(suite, note="one case fewer", actor="sam")
    releases = Releases(
        centre.services.storage, centre.services.keys, clock=centre.clock
    )
    data_dir = tmp_path / "data"

    with pytest.raises(PublishRefused) as refused:
        releases.create("spring", actor="sam", model=MODEL)
    # Pinned to the first suite, the same report passes.
    gate = set_gate_value(data_dir, "suite_version", "1")
    made = releases.create("spring", actor="sam", model=MODEL, gate=gate)

    assert "report made on suite v1; the gate asks for v2" in refused.value.message
    assert "edge-agent eval --suite centre --upload" in refused.value.message
    assert made.name == "spring"


def test_a_report_on_a_suite_never_published_is_named_and_can_be_let_through(
    centre: Harness, suite: Path, tmp_path: Path
) -> None:
    centre.services.suites.publish(suite, note="", actor="sam")
    store_report(centre, "f" * 64)
    releases = Releases(
        centre.services.storage, centre.services.keys, clock=centre.clock
    )

    with pytest.raises(PublishRefused) as refused:
        releases.create("spring", actor="sam", model=MODEL)
    gate = set_gate_value(tmp_path / "data", "require_suite", "false")
    made = releases.create("spring", actor="sam", model=MODEL, gate=gate)

    assert "a suite the centre has not published" in refused.value.message
    assert "sha256 ffffffffffff" in refused.value.message
    assert "the gate asks for v1" in refused.value.message
    assert made.name == "spring"
