"""A supervisor withdraws a document, or one revision of it: the next KB
version goes without the document, and actions citing what was withdrawn are
held for review with the reason named. A real SQLite centre publishing real
KB versions, and the real ``edge-governance`` command line."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.protocol import KbDelta
from sync.server.__main__ import main as governance
from sync.server.errors import PublishRefused
from sync.server.storage import SCHEMA_VERSION, Storage, fleet
from sync.server.storage.schema import schema_migrations
from sync.server.withdrawing import Withdrawer
from tests.sync.server.support import REPAIR, FieldDevice, Harness
from tests.sync.server.test_kb_check import publish_kb, results

OLD = "# Pump P-200\n\nE-42: tighten the impeller nut to 400 Nm.\n"
FIXED = "# Pump P-200\n\nE-42: tighten the impeller nut to 40 Nm.\n"


def revision(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def withdrawer(centre: Harness) -> Withdrawer:
    return Withdrawer(centre.services.storage, centre.services.keys, clock=centre.clock)


def citing(text: str) -> dict[str, object]:
    """Evidence as a device records it for a repair quoting manuals/p200.md."""
    return {
        "fault_code_chunk": "manuals/p200.md#1",
        "freshness": {
            "documents": {
                "manuals/p200.md": {"revision": revision(text), "received_at": "x"}
            }
        },
    }


def test_a_withdrawn_document_leaves_the_next_kb_and_holds_actions_citing_it(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    files = {"manuals/p200.md": OLD, "manuals/p300.md": "# P-300\n"}
    first = publish_kb(centre, tmp_path, files, "v1")
    device.record("record_repair", REPAIR, evidence=citing(OLD))
    done = withdrawer(centre).withdraw_document(
        "manuals/p200.md", reason="pump model retired from the fleet", actor="sam"
    )
    assert done.kb_version == first + 1
    with centre.services.storage.read() as connection:
        stored = fleet.kb_version(connection, first + 1)
    assert stored is not None
    newest = KbDelta.model_validate_json(stored["snapshot"])
    assert set(newest.files) == {"manuals/p300.md"}
    [(status, reason)] = results(device.push())
    assert status == "quarantined"
    assert (
        f"it cites manuals/p200.md, withdrawn by the centre in KB v{first + 1} of "
        "2026-03-02: pump model retired from the fleet" in reason
    )


def test_a_withdrawn_revision_holds_actions_on_it_and_not_on_the_correction(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD}, "v1")
    device.record("record_repair", REPAIR, evidence=citing(OLD))
    centre.clock.advance(timedelta(days=2))
    publish_kb(centre, tmp_path, {"manuals/p200.md": FIXED}, "v2")
    device.record("record_repair", {**REPAIR, "notes": "new"}, evidence=citing(FIXED))
    done = withdrawer(centre).withdraw_revision(
        "manuals/p200.md",
        revision(OLD)[:8].upper(),
        reason="torque figure wrong by a factor of ten",
        actor="sam",
    )
    assert (done.revision, done.first_seen) == (revision(OLD), first)
    [(old_status, old_reason), (new_status, _)] = results(device.push())
    assert (old_status, new_status) == ("quarantined", "applied")
    assert (
        f"it cites manuals/p200.md revision {revision(OLD)}, withdrawn by the "
        "centre on 2026-03-04: torque figure wrong by a factor of ten" in old_reason
    )


@pytest.mark.parametrize(
    ("document", "rev", "reason", "problem"),
    [
        ("manuals/p200.md", None, " ", "Say why with --reason"),
        (
            "p200.md",
            None,
            "x",
            "holds no document p200.md (its documents: b.md, manuals",
        ),
        ("manuals/p200.md", "abc", "x", "at least 6 hex digits"),
        ("manuals/p200.md", "zzzzzz", "x", "at least 6 hex digits"),
        ("manuals/p200.md", "000000", "x", "No published KB version held revision"),
        ("manuals/p200.md", "CURRENT", "x", "is the one of manuals/p200.md in use"),
    ],
)
def test_a_withdrawal_that_cannot_be_done_says_why_and_changes_nothing(
    centre: Harness,
    tmp_path: Path,
    document: str,
    rev: str | None,
    reason: str,
    problem: str,
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "b.md": "# B"}, "v1")
    withdraw = withdrawer(centre)
    with pytest.raises(PublishRefused, match=problem.replace("(", r"\(")):
        if rev is None:
            withdraw.withdraw_document(document, reason=reason, actor="sam")
        else:
            typed = revision(OLD) if rev == "CURRENT" else rev
            withdraw.withdraw_revision(document, typed, reason=reason, actor="sam")
    assert withdraw.withdrawals() == []
    with centre.services.storage.read() as connection:
        assert fleet.latest_kb_version(connection) == first


def test_the_only_document_and_an_empty_centre_are_refused(
    centre: Harness, tmp_path: Path
) -> None:
    withdraw = withdrawer(centre)
    with pytest.raises(PublishRefused, match="published no knowledge base"):
        withdraw.withdraw_document("a.md", reason="x", actor="sam")
    publish_kb(centre, tmp_path, {"a.md": "# A"}, "v1")
    with pytest.raises(PublishRefused, match="only document"):
        withdraw.withdraw_document("a.md", reason="x", actor="sam")


def test_the_command_line_withdraws_and_lists_with_reasons(
    tmp_path: Path, capsys
) -> None:
    centre = tmp_path / "centre"
    url = f"sqlite:///{centre / 'governance.db'}"
    base = ["--data-dir", str(centre), "--database-url", url, "--as", "sam"]
    kb = tmp_path / "kb"
    (kb / "manuals").mkdir(parents=True)
    (kb / "manuals" / "p200.md").write_text(OLD, encoding="utf-8")
    (kb / "b.md").write_text("# B\n", encoding="utf-8")
    assert governance([*base, "kb", "publish", str(kb)]) == 0
    (kb / "manuals" / "p200.md").write_text(FIXED, encoding="utf-8")
    assert governance([*base, "kb", "publish", str(kb)]) == 0
    capsys.readouterr()

    withdraw = [*base, "kb", "withdraw", "manuals/p200.md"]
    assert (
        governance([*withdraw, "--revision", revision(OLD), "--reason", "wrong"]) == 0
    )
    assert f"Withdrew revision {revision(OLD)} of manuals/p200.md" in (
        capsys.readouterr().out
    )
    assert governance([*withdraw, "--revision", revision(OLD), "--reason", "x"]) == 1
    assert "withdrawn already" in capsys.readouterr().err
    assert governance([*base, "kb", "withdraw", "b.md", "--reason", "gone"]) == 0
    assert "published KB version" in capsys.readouterr().out

    assert governance([*base, "kb", "withdrawals", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(w["document"], w["revision"], w["reason"]) for w in listed] == [
        ("manuals/p200.md", revision(OLD), "wrong"),
        ("b.md", None, "gone"),
    ]
    assert governance([*base, "kb", "withdrawals"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(f"sam: manuals/p200.md revision {revision(OLD)}: wrong")
    assert lines[1].endswith("sam: b.md (KB v" + lines[1].split("KB v")[1])


def test_a_version_ten_database_gains_the_withdrawals_table(sqlite_url: str) -> None:
    storage = Storage.open(sqlite_url)
    with storage.write() as connection:  # as a version 10 centre left it
        connection.execute(sa.text("DROP TABLE kb_withdrawals"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 11)
        )
    storage.close()
    upgraded = Storage.open(sqlite_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION == 11
        assert "kb_withdrawals" in sa.inspect(upgraded.engine).get_table_names()
    finally:
        upgraded.close()
