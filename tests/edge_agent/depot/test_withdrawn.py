"""Documents the centre withdrew: learned when a sync replaces the KB, named
in the sync's report, kept in the home with their KB version, told once more
by ``edge-agent ask``. Real knowledge bases and homes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_agent.__main__ import main
from edge_agent.depot.updates import ApplyReport, apply_pull
from edge_agent.depot.withdrawn import Withdrawn, WithdrawnList, withdrawn_marks
from edge_agent.home import HomeLayout
from edge_agent.policy_store import PolicyStore
from knowledge_cache import KnowledgeStore
from policies.signing import SigningKey, generate_signing_key
from tests.edge_agent.depot.pulls import (
    PUMP,
    enrolled_trust,
    kb_delta,
    policy_store,
    pull,
    trust_in,
)

AT = "2027-03-01T12:00:00+00:00"
OLD_PUMP = "# Old pump\n\n## Faults\n\nE-77 means the old pump's seal leaks.\n"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    """The centre's signing key. Why module-wide: key generation is not free."""
    return generate_signing_key("test-key")


@pytest.fixture
def policy(tmp_path: Path, key: SigningKey) -> PolicyStore:
    return policy_store(tmp_path, enrolled_trust(tmp_path, key))


@pytest.fixture
def knowledge(tmp_path: Path):
    with KnowledgeStore.open(tmp_path / "knowledge.db") as store:
        yield store


def listed(home: Path) -> WithdrawnList:
    layout = HomeLayout(home)
    return WithdrawnList(layout.withdrawn_file, layout.withdrawn_set_aside)


def apply(reply, policy, knowledge, home: Path) -> ApplyReport:
    return apply_pull(
        reply,
        trust=trust_in(home),
        policy=policy,
        knowledge=knowledge,
        jobs_file=home / "jobs.json",
        received_at=AT,
        withdrawn=listed(home),
    )


def test_a_kb_without_a_document_it_had_withdraws_it_and_says_so(
    key, policy, knowledge, tmp_path
) -> None:
    both = kb_delta(key, 4, pump_manual=PUMP, old_pump=OLD_PUMP)
    apply(pull(kb=both), policy, knowledge, tmp_path)
    assert [d.id for d in knowledge.documents()] == ["old-pump.md", "pump-manual.md"]
    (kb,) = apply(
        pull(kb=kb_delta(key, 5, pump_manual=PUMP)), policy, knowledge, tmp_path
    ).parts
    assert kb.status == "updated"
    assert kb.withdrawn == ("old-pump.md",)
    assert kb.message.endswith("Withdrawn by the centre in KB v5: old-pump.md.")
    assert [d.id for d in knowledge.documents()] == ["pump-manual.md"]
    assert listed(tmp_path).entries() == [Withdrawn("old-pump.md", 5, AT)]


def test_a_document_published_again_leaves_the_list(
    key, policy, knowledge, tmp_path
) -> None:
    apply(
        pull(kb=kb_delta(key, 4, old_pump=OLD_PUMP, pump_manual=PUMP)),
        policy,
        knowledge,
        tmp_path,
    )
    apply(pull(kb=kb_delta(key, 5, pump_manual=PUMP)), policy, knowledge, tmp_path)
    (kb,) = apply(
        pull(kb=kb_delta(key, 6, pump_manual=PUMP, old_pump=OLD_PUMP)),
        policy,
        knowledge,
        tmp_path,
    ).parts
    assert kb.withdrawn == () and "Withdrawn" not in kb.message
    assert listed(tmp_path).entries() == []


def test_a_damaged_list_is_set_aside_and_started_afresh(tmp_path: Path) -> None:
    layout = HomeLayout(tmp_path)
    layout.withdrawn_file.write_text("{not json", encoding="utf-8")
    assert listed(tmp_path).entries() == []
    added = listed(tmp_path).record(["a.md"], kb_version=3, at=AT)
    assert added == [Withdrawn("a.md", 3, AT)]
    assert layout.withdrawn_set_aside.read_text(encoding="utf-8") == "{not json"
    assert listed(tmp_path).entries() == added


def test_ask_tells_once_which_documents_the_centre_withdrew(
    isolated_home: Path, capsys
) -> None:
    assert main(["demo", "--no-start"]) == 0
    listed(isolated_home).record(
        ["manuals/old-pump.md", "manuals/old-valve.md"], kb_version=5, at=AT
    )
    capsys.readouterr()
    assert main(["ask", "E-42", "--no-model"]) == 0
    first = capsys.readouterr().out
    assert (
        "Withdrawn by the centre in KB v5: manuals/old-pump.md, "
        "manuals/old-valve.md." in first
    )
    assert main(["ask", "E-42", "--no-model"]) == 0
    assert "Withdrawn" not in capsys.readouterr().out
    kept = json.loads(HomeLayout(isolated_home).withdrawn_file.read_text())
    assert [e["shown"] for e in kept["withdrawn"]] == [True, True]


def test_an_answer_is_marked_only_for_the_withdrawn_documents_it_cites() -> None:
    entries = [
        Withdrawn("manuals/old-pump.md", 5, "2026-12-05T09:30:00+00:00"),
        Withdrawn("codes.csv", 6, ""),
        Withdrawn("manuals/other.md", 5, "2026-12-05T09:30:00+00:00"),
    ]
    cited = ["pump-manual.md", "manuals/old-pump.md", "codes.csv"]
    assert withdrawn_marks(cited, entries) == [
        "codes.csv was withdrawn by the centre in KB v6: do not act on what it said.",
        "manuals/old-pump.md was withdrawn by the centre in KB v5 (2026-12-05): "
        "do not act on what it said.",
    ]
    assert withdrawn_marks(["pump-manual.md"], entries) == []
