"""A damaged knowledge base at a sync: the centre's replaces it, the damaged
file is kept, and one that is only unusable (a full disk) is left alone."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from edge_agent.config import EdgeSettings, load_settings
from edge_agent.depot.kb_repair import (
    BrokenKnowledge,
    kb_problem,
    open_for_sync,
    with_repair,
)
from edge_agent.depot.updates import ApplyReport, apply_pull
from edge_agent.errors import KnowledgeDamaged
from edge_agent.policy_store import PolicyStore
from knowledge_cache import CacheUnavailable, KnowledgeStore, check_integrity
from knowledge_cache.db import open_db
from policies.signing import SigningKey, generate_signing_key
from tests.edge_agent.depot.pulls import (
    PUMP,
    enrolled_trust,
    kb_delta,
    policy_store,
    pull,
    trust_in,
)

PAGE = 4096


@pytest.fixture
def settings(tmp_path: Path) -> EdgeSettings:
    """A home in ``tmp_path``, where the policy fixtures keep their files."""
    return load_settings(home=tmp_path)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    """The centre's signing key. Why module-wide: key generation is not free."""
    return generate_signing_key("test-key")


@pytest.fixture
def policy(settings: EdgeSettings, key: SigningKey) -> PolicyStore:
    """An enrolled device's policy store: it trusts what ``key`` signs."""
    return policy_store(settings.home, enrolled_trust(settings.home, key))


@pytest.fixture
def kb_file(settings: EdgeSettings, data_dir: Path) -> Path:
    """The home's knowledge base with the sample documents, closed."""
    path = settings.layout.knowledge_db
    with KnowledgeStore.open(path) as store:
        store.ingest([data_dir / "kb"])
    return path


def noise_in_the_middle(path: Path) -> bytes:
    pages = path.stat().st_size // PAGE
    with path.open("r+b") as file:
        file.seek(pages // 2 * PAGE)
        file.write(random.Random(5).randbytes(PAGE))
    return path.read_bytes()


def sync_apply(
    settings: EdgeSettings, knowledge, policy: PolicyStore, **parts
) -> ApplyReport:
    applied = apply_pull(
        pull(**parts),
        trust=trust_in(settings.home),
        policy=policy,
        knowledge=knowledge,
        jobs_file=settings.layout.jobs_file,
        received_at="2027-03-01T12:00:00+00:00",
    )
    return with_repair(applied, knowledge)


def test_a_sound_kb_is_opened_as_usual_and_a_lost_one_is_damage(
    settings, kb_file
) -> None:
    opened = open_for_sync(settings)
    assert isinstance(opened, KnowledgeStore)
    opened.close()
    assert settings.layout.knowledge_record.exists()  # it held documents
    kb_file.unlink()

    lost = open_for_sync(settings)

    assert isinstance(lost, BrokenKnowledge) and lost.damaged
    assert lost.manifest().version == 0  # the centre sends its KB in full
    assert "is missing" in lost.message()
    assert not kb_file.exists()  # nothing made in its place


def test_a_home_that_never_had_documents_starts_an_empty_kb_at_sync(
    settings, kb_file
) -> None:
    kb_file.unlink()
    with open_for_sync(settings) as fresh:  # type: ignore[union-attr]
        assert isinstance(fresh, KnowledgeStore)
        assert fresh.manifest().version == 0


def test_noise_that_only_a_page_check_finds_is_damage_at_sync(settings, kb_file):
    damaged = noise_in_the_middle(kb_file)
    with KnowledgeStore.open(kb_file) as store:  # every command still opens it
        assert store.stats().documents == 5

    found = open_for_sync(settings)

    assert isinstance(found, BrokenKnowledge) and found.damaged
    assert found.manifest().version == 0  # the centre sends its KB in full
    assert kb_file.read_bytes() == damaged


def test_the_centres_kb_replaces_a_damaged_one_which_is_kept(
    settings, kb_file, key: SigningKey, policy: PolicyStore
) -> None:
    damaged = noise_in_the_middle(kb_file)
    knowledge = open_for_sync(settings)

    report = sync_apply(settings, knowledge, policy, kb=kb_delta(key, 3, pump=PUMP))

    (outcome,) = report.parts
    assert (outcome.part, outcome.status, outcome.version) == ("kb", "updated", 3)
    assert "replaced by the centre's version 3" in outcome.message
    assert "knowledge.db.damaged" in outcome.message
    assert settings.layout.knowledge_set_aside.read_bytes() == damaged
    assert not settings.layout.knowledge_rebuild.exists()
    assert check_integrity(kb_file) == ()
    with KnowledgeStore.open(kb_file) as store:
        assert [d.id for d in store.documents()] == ["pump.md"]
        assert store.manifest().version == 3
    assert knowledge.manifest().version == 3  # what the device now reports
    assert kb_problem(knowledge, True, report) is None


def test_a_second_damaged_kb_is_kept_beside_the_first(
    settings, kb_file, key: SigningKey, policy: PolicyStore
) -> None:
    settings.layout.knowledge_set_aside.write_bytes(b"the first one")
    kb_file.write_bytes(b"not SQLite")

    sync_apply(settings, open_for_sync(settings), policy, kb=kb_delta(key, pump=PUMP))

    assert settings.layout.knowledge_set_aside.read_bytes() == b"the first one"
    second = settings.home / "knowledge.db.damaged-2"
    assert second.read_bytes() == b"not SQLite"


def test_a_folder_in_place_of_the_kb_is_set_aside_whole(
    settings, key: SigningKey, policy: PolicyStore
) -> None:
    folder = settings.layout.knowledge_db
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("kept")

    sync_apply(settings, open_for_sync(settings), policy, kb=kb_delta(key, pump=PUMP))

    assert (settings.layout.knowledge_set_aside / "notes.txt").read_text() == "kept"
    assert check_integrity(folder) == ()


def test_without_a_kb_from_the_centre_the_damaged_one_stays_and_says_so(
    settings, kb_file, policy: PolicyStore
) -> None:
    damaged = noise_in_the_middle(kb_file)
    knowledge = open_for_sync(settings)

    report = sync_apply(settings, knowledge, policy)

    assert report.parts == ()
    problem = kb_problem(knowledge, True, report)
    assert problem is not None and problem["kind"] == "damaged"
    assert "sent no knowledge base" in problem["message"]
    offline = kb_problem(knowledge, False, None)
    assert offline is not None and "not reached" in offline["message"]
    assert kb_file.read_bytes() == damaged
    assert not settings.layout.knowledge_set_aside.exists()


def test_a_kb_that_cannot_be_built_leaves_the_damaged_one_in_place(
    settings, kb_file, key: SigningKey, policy: PolicyStore
) -> None:
    damaged = noise_in_the_middle(kb_file)
    knowledge = open_for_sync(settings)
    delta = kb_delta(key, 4, pump=PUMP).model_copy(update={"base_version": 3})
    forged = kb_delta(key, 5, pump=PUMP).model_copy(update={"version": 6})

    for bad in (delta, forged):
        report = sync_apply(settings, knowledge, policy, kb=bad)

        (outcome,) = report.parts
        assert outcome.status == "refused"
        assert kb_file.read_bytes() == damaged
        assert not settings.layout.knowledge_rebuild.exists()
        assert not settings.layout.knowledge_set_aside.exists()
    problem = kb_problem(knowledge, True, report)
    assert problem is not None and "could not replace it" in problem["message"]


def test_a_full_disk_is_not_damage_and_the_kb_is_left_alone(
    settings, kb_file, key: SigningKey, policy: PolicyStore
) -> None:
    before = kb_file.read_bytes()
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA max_page_count = 2")  # SQLite's own SQLITE_FULL
    with pytest.raises(CacheUnavailable) as raised:
        open_db(connection)
    knowledge = BrokenKnowledge(settings, raised.value)

    report = sync_apply(settings, knowledge, policy, kb=kb_delta(key, pump=PUMP))

    (outcome,) = report.parts
    assert outcome.status == "refused"
    assert "is full" in outcome.message and "move it aside" not in outcome.message
    assert kb_problem(knowledge, True, report) is None  # the refusal says it
    alone = kb_problem(knowledge, True, sync_apply(settings, knowledge, policy))
    assert alone is not None and alone["kind"] == "disk_full"
    assert kb_file.read_bytes() == before
    assert not settings.layout.knowledge_set_aside.exists()


def test_the_damage_message_gives_the_remedies_that_work(settings, kb_file) -> None:
    kb_file.write_bytes(b"not SQLite")
    knowledge = open_for_sync(settings)
    assert isinstance(knowledge, BrokenKnowledge)
    assert isinstance(knowledge.problem, KnowledgeDamaged)
    message = knowledge.message()
    assert "'edge-agent sync' replaces it" in message
    assert "ingest the documents again" in message
    assert "'edge-agent actions list' and 'edge-agent sync' work" in message
