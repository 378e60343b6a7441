"""Candidates: installed on a throw-away home as a device installs them, bound
to hashes of their parts, and refused with the part named when unusable."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main
from edge_agent.config import EdgeSettings
from edge_agent.errors import CandidateInvalid, ModelUnavailable
from edge_agent.evaluation import CandidateSpec, prepare_candidate
from edge_agent.evaluation.candidate import NO_MODEL
from edge_agent.knowledge import demo_data_dir
from edge_agent.llm import ChatModel, ScriptedModel
from edge_agent.policy_store import app_version
from knowledge_cache import KnowledgeStore
from policies import KeySet, read_policy_sources
from policies.defaults import DEMO_BUNDLE, SOURCE_DIR
from policies.signing import (
    SigningKey,
    build_bundle,
    generate_signing_key,
    sign_key_set,
)

MANUAL = "manuals/ac75-compressor-service-manual.md"


def without_manual(tmp_path: Path, manual: str = MANUAL) -> Path:
    """A copy of the demo fleet's folder with one manual taken out."""
    folder = tmp_path / "kb-less-one"
    shutil.copytree(demo_data_dir(), folder)
    (folder / manual).unlink()
    return folder


def test_the_candidate_is_bound_to_hashes_of_its_parts(
    tmp_path: Path, device: EdgeSettings
) -> None:
    first = prepare_candidate(CandidateSpec(no_model=True), device, tmp_path / "a")
    again = prepare_candidate(CandidateSpec(no_model=True), device, tmp_path / "b")

    identity = first.identity
    assert identity.app_version == app_version()
    assert identity.model.sha256 == NO_MODEL and identity.model.file is None
    policy = identity.policy
    assert policy.sha256 == hashlib.sha256(DEMO_BUNDLE.read_bytes()).hexdigest()
    assert (policy.version, policy.key_id, policy.source) == (
        1,
        "demo-2026",
        "shipped default",
    )
    assert policy.read_only is None
    kb = identity.kb
    assert (kb.name, kb.version) == ("Demo fleet", 1)
    assert kb.documents == 6 and kb.chunks > 200
    assert kb.content_sha256 == again.identity.kb.content_sha256
    assert first.settings.home == tmp_path / "a"
    assert not device.layout.knowledge_db.exists(), "the device's own KB is untouched"


def test_a_kb_missing_a_manual_has_another_content_hash(
    tmp_path: Path, device: EdgeSettings
) -> None:
    full = prepare_candidate(CandidateSpec(no_model=True), device, tmp_path / "a")
    spec = CandidateSpec(kb=without_manual(tmp_path), no_model=True)

    less = prepare_candidate(spec, device, tmp_path / "b")

    assert less.identity.kb.documents == full.identity.kb.documents - 1
    assert less.identity.kb.content_sha256 != full.identity.kb.content_sha256
    assert less.identity.kb.source == "kb-less-one"


def test_a_knowledge_db_is_copied_and_left_as_it_was(
    tmp_path: Path, device: EdgeSettings
) -> None:
    db = tmp_path / "field" / "knowledge.db"
    with KnowledgeStore.open(db) as store:
        store.ingest([demo_data_dir()])
    before = db.read_bytes()
    folder = prepare_candidate(CandidateSpec(no_model=True), device, tmp_path / "a")

    copied = prepare_candidate(
        CandidateSpec(kb=db, no_model=True), device, tmp_path / "b"
    )

    assert db.read_bytes() == before
    assert copied.identity.kb.content_sha256 == folder.identity.kb.content_sha256
    assert copied.identity.kb.source == "knowledge.db"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "nowhere", "does not exist"),
        (lambda tmp: _file(tmp / "kb.db", b"not a database at all"), "not a database"),
        (lambda tmp: _folder(tmp / "empty"), "holds no file the knowledge base can"),
        (lambda tmp: _file(tmp / "kb" / "notes.md", b""), "cannot be ingested whole"),
    ],
)
def test_an_unusable_kb_is_a_bad_candidate(
    tmp_path: Path, device: EdgeSettings, make, says: str
) -> None:
    spec = CandidateSpec(kb=make(tmp_path), no_model=True)
    with pytest.raises(CandidateInvalid, match=says) as caught:
        prepare_candidate(spec, device, tmp_path / "candidate")
    assert caught.value.part == "kb"


def _file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path.parent if path.suffix == ".md" else path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _centre(device: EdgeSettings) -> SigningKey:
    """Make the device trust a centre's key set, as enrolment does."""
    key = generate_signing_key("centre-test")
    key_set = KeySet(1, (key.public_key,), key.key_id, (), datetime.now(UTC))
    device.home.mkdir(parents=True, exist_ok=True)
    device.layout.centre_keys_file.write_text(
        sign_key_set(key_set, [key]).encode(), encoding="utf-8"
    )
    return key


def _bundle(key: SigningKey, version: int) -> bytes:
    now = datetime.now(UTC)
    return build_bundle(
        read_policy_sources(SOURCE_DIR),
        key,
        version=version,
        issued_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=30),
    )


def test_a_bundle_the_device_trusts_is_installed_and_named(
    tmp_path: Path, device: EdgeSettings
) -> None:
    bundle = tmp_path / "bundle-v7.json"
    bundle.write_bytes(_bundle(_centre(device), 7))

    prepared = prepare_candidate(
        CandidateSpec(policy_bundle=bundle, no_model=True), device, tmp_path / "a"
    )

    policy = prepared.identity.policy
    assert (policy.version, policy.key_id, policy.source) == (
        7,
        "centre-test",
        "bundle-v7.json",
    )
    assert policy.sha256 == hashlib.sha256(bundle.read_bytes()).hexdigest()


def test_a_bundle_signed_by_a_key_the_device_does_not_trust_is_refused(
    tmp_path: Path, device: EdgeSettings
) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(_bundle(generate_signing_key("stranger"), 3))

    with pytest.raises(CandidateInvalid, match=r"bundle.json was refused") as caught:
        prepare_candidate(
            CandidateSpec(policy_bundle=bundle, no_model=True), device, tmp_path / "a"
        )
    assert caught.value.part == "policy"


def test_a_model_file_is_hashed_and_loaded_before_any_case(
    tmp_path: Path, device: EdgeSettings
) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    loaded: list[Path] = []

    def factory(path: Path) -> ChatModel:
        loaded.append(path)
        return ScriptedModel()

    prepared = prepare_candidate(
        CandidateSpec(model=model), device, tmp_path / "a", model_factory=factory
    )

    assert prepared.identity.model.file == "tiny.gguf"
    assert (
        prepared.identity.model.sha256 == hashlib.sha256(model.read_bytes()).hexdigest()
    )
    assert loaded == [model]


def test_without_model_the_device_s_configured_model_is_the_candidate_s(
    tmp_path: Path, device: EdgeSettings
) -> None:
    model = tmp_path / "configured.gguf"
    model.write_bytes(b"GGUF configured")
    configured = device.model_copy(update={"model_path": model})

    prepared = prepare_candidate(
        CandidateSpec(),
        configured,
        tmp_path / "a",
        model_factory=lambda path: ScriptedModel(),
    )

    assert prepared.identity.model.file == "configured.gguf"


def test_a_model_that_cannot_load_is_a_bad_candidate(
    tmp_path: Path, device: EdgeSettings
) -> None:
    model = tmp_path / "broken.gguf"
    model.write_bytes(b"not a model")

    def factory(path: Path) -> ChatModel:
        raise ModelUnavailable(f"{path.name} is not a GGUF file.")

    with pytest.raises(CandidateInvalid, match="broken.gguf is not a GGUF") as caught:
        prepare_candidate(
            CandidateSpec(model=model), device, tmp_path / "a", model_factory=factory
        )
    assert caught.value.part == "model"
    with pytest.raises(CandidateInvalid, match="does not exist"):
        prepare_candidate(
            CandidateSpec(model=tmp_path / "none.gguf"), device, tmp_path / "b"
        )


def test_eval_with_a_bad_candidate_exits_5_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    code = main(["eval", "--kb", "missing-kb", "--no-model", "--kinds", "policy"])

    out, err = capsys.readouterr()
    assert code == exit_codes.CANDIDATE_INVALID == 7
    assert "error: The knowledge base missing-kb does not exist" in err
    assert not (tmp_path / "eval-report").exists()
