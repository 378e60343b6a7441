"""The release manifest on the device: taken from a pull only when the
centre's key signed it and it is newer, checked again whenever it is read,
and the model gate that follows it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from edge_agent.answer.answerer import Answerer
from edge_agent.config import EdgeSettings
from edge_agent.depot.model_gate import model_loader, release_check
from edge_agent.depot.release import ReleaseFile
from edge_agent.depot.sync_state import SyncState
from edge_agent.depot.updates import apply_pull, pull_request
from edge_agent.errors import ModelNotReleased
from edge_agent.llm import ModelLoader, ModelState, ScriptedModel, default_model_path
from edge_agent.llm.model_file import file_sha256
from edge_agent.policy_store import PolicyStore, device_trust
from edge_agent.tracing import CHAT, MODEL_REFUSED, TurnTracer
from knowledge_cache import KnowledgeStore
from policies import KeySet
from policies.encoding import encode_base64
from policies.signing import SigningKey, generate_signing_key, sign_key_set
from sync.protocol import PullResponse, ReleaseManifest, ReleaseModel
from tests.policies.tampering import NOW


@pytest.fixture(scope="module")
def key() -> SigningKey:
    """The centre's signing key. Why module-wide: key generation is not free."""
    return generate_signing_key("centre-test")


@pytest.fixture
def settings(tmp_path: Path, key: SigningKey) -> EdgeSettings:
    """An enrolled device's settings: its home trusts the centre's key set."""
    settings = EdgeSettings(home=tmp_path / "home", technician_id="ann")
    first = KeySet(1, (key.public_key,), key.key_id, (), NOW)
    device_trust(settings).adopt(sign_key_set(first, [key]).encode())
    return settings


@pytest.fixture
def policy(settings: EdgeSettings) -> PolicyStore:
    trust = device_trust(settings)
    return PolicyStore(
        settings.layout.policy_dir,
        trust.accepted(),
        kept_keys=trust.kept(),
        clock=lambda: NOW,
    )


@pytest.fixture
def knowledge(tmp_path: Path):
    with KnowledgeStore.open(tmp_path / "knowledge.db") as store:
        yield store


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    """A small file standing for a GGUF (never loaded: a scripted model is)."""
    path = tmp_path / "pump-expert.gguf"
    path.write_bytes(b"GGUF weights of a pump expert")
    return path


def manifest(key: SigningKey, release_id: int = 1, *hashes: str) -> ReleaseManifest:
    unsigned = ReleaseManifest(
        release_id=release_id,
        name=f"spring-{release_id}",
        models=[ReleaseModel(name="m.gguf", sha256=h) for h in hashes or ["c" * 64]],
        policy_version=3,
        kb_version=4,
        kb_sha256="d" * 64,
        app_version="0.1.0",
        issued_at="2027-03-01T12:00:00+00:00",
        signature="",
        key_id=key.key_id,
    )
    signature = encode_base64(key.sign(unsigned.signed_bytes()))
    return unsigned.model_copy(update={"signature": signature})


def pulled(settings, policy, knowledge, release: ReleaseManifest):
    reply = PullResponse(results=[], results_cursor=0, release=release)
    return apply_pull(
        reply,
        trust=device_trust(settings),
        policy=policy,
        knowledge=knowledge,
        jobs_file=settings.layout.jobs_file,
        received_at="2027-03-01T12:00:00+00:00",
        release=ReleaseFile(settings.layout.release_file),
    )


def test_a_signed_newer_manifest_is_kept_and_said_to_the_centre(
    settings, policy, knowledge, key
) -> None:
    report = pulled(settings, policy, knowledge, manifest(key, 2))

    (outcome,) = report.parts
    assert (outcome.part, outcome.status, outcome.version) == ("release", "updated", 2)
    assert "spring-2" in outcome.message
    release = ReleaseFile(settings.layout.release_file)
    asked = pull_request(
        SyncState(),
        trust=device_trust(settings),
        policy=policy,
        knowledge=knowledge,
        release=release,
    )
    assert asked.release_id == 2


def test_a_tampered_manifest_is_refused_and_the_one_held_stays(
    settings, policy, knowledge, key
) -> None:
    pulled(settings, policy, knowledge, manifest(key, 1))
    forged = manifest(key, 2).model_copy(
        update={"models": [ReleaseModel(name="any.gguf", sha256="e" * 64)]}
    )

    report = pulled(settings, policy, knowledge, forged)

    (outcome,) = report.parts
    assert outcome.status == "refused"
    assert "Release manifest refused" in outcome.message
    assert "signature does not match" in outcome.message
    held = ReleaseFile(settings.layout.release_file).read(policy.trusted_keys)
    assert held is not None and held.release_id == 1


@pytest.mark.parametrize("release_id", [1, 2])
def test_a_manifest_not_above_the_one_held_is_refused(
    settings, policy, knowledge, key, release_id
) -> None:
    pulled(settings, policy, knowledge, manifest(key, 2))

    (outcome,) = pulled(settings, policy, knowledge, manifest(key, release_id)).parts

    assert outcome.status == "refused" and "releases only go up" in outcome.message


def test_a_manifest_from_an_untrusted_key_is_refused(settings, policy, knowledge):
    stranger = generate_signing_key("stranger")

    (outcome,) = pulled(settings, policy, knowledge, manifest(stranger)).parts

    assert outcome.status == "refused" and "does not trust" in outcome.message
    assert not settings.layout.release_file.exists()


def test_a_model_outside_the_release_is_not_loaded_and_answers_are_lookups(
    settings, policy, knowledge, key, model_file, data_dir
) -> None:
    pulled(settings, policy, knowledge, manifest(key, 1))
    loaded: list[Path] = []

    def factory(path: Path) -> ScriptedModel:
        loaded.append(path)
        return ScriptedModel(["never"])

    loader = ModelLoader(model_file, factory, check=release_check(settings)).start()
    loader.wait()
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([data_dir / "kb"])
        tracer = TurnTracer("ask")
        answer = Answerer(kb, loader).ask(
            "how often to grease the bearings", tracer=tracer
        )

    digest = file_sha256(model_file)
    assert loaded == [] and loader.state is ModelState.UNAVAILABLE
    assert isinstance(loader.error, ModelNotReleased)
    (notice,) = [n for n in answer.notices if "not loaded" in n]
    assert "pump-expert.gguf" in notice and digest in notice
    assert "ask the depot to add it to a release" in notice
    assert "knowledge-base lookups only" in notice and answer.facts
    (refused,) = [s for s in tracer.finish().spans if s.name == MODEL_REFUSED]
    assert refused.attributes["edge.model.file"] == "pump-expert.gguf"
    assert refused.attributes["edge.model.sha256"] == digest


def test_a_model_in_the_release_loads_and_the_trace_names_its_hash(
    settings, policy, knowledge, key, model_file, data_dir
) -> None:
    digest = file_sha256(model_file)
    pulled(settings, policy, knowledge, manifest(key, 1, "c" * 64, digest))
    model = ScriptedModel(["Grease the bearings every 2000 hours [1]."])
    loader = ModelLoader(model_file, lambda _p: model, check=release_check(settings))
    loader.start().wait()
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([data_dir / "kb"])
        tracer = TurnTracer("ask")
        Answerer(kb, loader).ask("how often to grease the bearings", tracer=tracer)

    assert loader.state is ModelState.READY
    (chat,) = [s for s in tracer.finish().spans if s.name == CHAT]
    assert chat.attributes["edge.model.file"] == "pump-expert.gguf"
    assert chat.attributes["edge.model.sha256"] == digest


def test_without_a_manifest_any_model_file_loads(settings, model_file) -> None:
    loader = ModelLoader(
        model_file, lambda _p: ScriptedModel(["x"]), check=release_check(settings)
    )

    assert loader.start().wait() is not None
    assert loader.identity is not None
    assert loader.identity.sha256 == file_sha256(model_file)


def test_the_default_model_loads_whatever_the_release_says(
    settings, policy, knowledge, key
) -> None:
    pulled(settings, policy, knowledge, manifest(key, 1))
    loaded: list[Path] = []

    def factory(path: Path) -> ScriptedModel:
        loaded.append(path)
        return ScriptedModel(["x"])

    loader = ModelLoader(None, factory, check=release_check(settings))

    assert loader.start().wait() is not None
    assert loaded == [default_model_path()]
    assert loader.identity is not None
    assert loader.identity.name == default_model_path().name


def test_the_app_s_loader_checks_the_release_before_loading(
    settings, policy, knowledge, key, model_file
) -> None:
    pulled(settings, policy, knowledge, manifest(key, 1))

    loader = model_loader(settings, model_file)  # llama.cpp, were it allowed

    assert loader.start().wait() is None
    assert isinstance(loader.error, ModelNotReleased)


def test_a_manifest_changed_on_the_disk_is_not_trusted(
    settings, policy, knowledge, key, model_file
) -> None:
    digest = file_sha256(model_file)
    pulled(settings, policy, knowledge, manifest(key, 1, digest))
    path = settings.layout.release_file
    path.write_text(path.read_text().replace("spring-1", "spring-9"))

    loader = ModelLoader(
        model_file, lambda _p: ScriptedModel(["x"]), check=release_check(settings)
    )
    loader.start().wait()

    assert loader.state is ModelState.UNAVAILABLE
    assert loader.error is not None and "cannot be trusted" in loader.error.message
    # The device says it holds none, so the centre sends the release again.
    assert ReleaseFile(path).held_id(policy.trusted_keys) == 0
    assert os.path.exists(path)
