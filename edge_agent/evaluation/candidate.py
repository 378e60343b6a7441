"""A candidate release, set up on a throw-away device home and named by hashes.

A candidate is a knowledge base, a policy bundle and a model. It is installed
into a fresh home folder exactly as a device installs one (ingest, or a copy
of a ``knowledge.db``; the bundle verified and installed by the policy
store, against the keys the evaluating device trusts; the model loaded by
the app's loader), so the cases run through the field's own code. The
release it makes is bound to the report by:

- the model file's SHA-256 (``"none"`` without a model);
- the policy bundle's version, the SHA-256 of its bytes and its content
  hash (of its policy files, as the centre names a release's policy:
  :func:`sync.content_hashes.policy_content_sha256`);
- the knowledge base's version and its content hash, over its manifest
  (every document's id and content hash, so two ingests of the same files
  agree, and the centre names a release's KB alike:
  :func:`sync.content_hashes.kb_content_sha256`);
- the app's version.

Anything that keeps the candidate from being installed is a
:class:`~edge_agent.errors.CandidateInvalid` naming the part.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge_agent.config import EdgeSettings, ensure_home
from edge_agent.errors import CandidateInvalid, KnowledgeDamaged, ModelUnavailable
from edge_agent.knowledge import demo_data_dir, open_knowledge
from edge_agent.llm import ModelLoader, default_model_path
from edge_agent.llm.loader import ModelFactory, load_llama
from edge_agent.policy_store import PolicyStatus, app_version, open_policy_store
from knowledge_cache import KnowledgeCacheError, KnowledgeStore, Manifest
from policies import DEMO_BUNDLE, BundleRejected, PolicyError, format_time
from sync import kb_content_sha256, policy_content_sha256

NO_MODEL = "none"
"""The model hash of a candidate evaluated without a model."""
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class CandidateSpec:
    """What to evaluate; ``None`` picks the shipped or default part.

    Attributes:
        kb: a folder of KB sources (ingested into a fresh ``knowledge.db``)
            or a ``knowledge.db`` file (copied); ``None``: the demo fleet.
        policy_bundle: a signed bundle file; ``None``: the shipped bundle.
        model: a GGUF file; ``None``: the evaluating device's configured
            model (``model_path``), else the default model.
        no_model: evaluate without a model (lookups and quotes only).
    """

    kb: Path | None = None
    policy_bundle: Path | None = None
    model: Path | None = None
    no_model: bool = False


@dataclass(frozen=True, slots=True)
class KbIdentity:
    source: str
    name: str
    version: int
    content_sha256: str
    documents: int
    chunks: int


@dataclass(frozen=True, slots=True)
class PolicyIdentity:
    source: str
    version: int
    sha256: str
    """Of the bundle file's bytes."""
    content_sha256: str
    """Of its policy files, whatever the version or signature."""
    key_id: str
    expires_at: str
    read_only: str | None
    """Why the bundle leaves the device read-only (kill switch), if it does."""


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    file: str | None
    sha256: str


@dataclass(frozen=True, slots=True)
class CandidateIdentity:
    """What the report is bound to."""

    app_version: str
    kb: KbIdentity
    policy: PolicyIdentity
    model: ModelIdentity

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PreparedCandidate:
    """A candidate installed in a throw-away home, ready for the cases."""

    settings: EdgeSettings
    """The evaluating device's settings, with the throw-away home."""
    identity: CandidateIdentity
    model: ModelLoader | None

    def clone(self, home: Path) -> EdgeSettings:
        """A fresh home holding the same knowledge base, policy, trust and
        job list, with an empty outbox: one case may change it freely."""
        source = self.settings.layout
        target = self.settings.model_copy(update={"home": home})
        ensure_home(target)
        files = [source.knowledge_db, Path(f"{source.knowledge_db}-wal")]
        for path in (*files, source.jobs_file, source.centre_keys_file):
            if path.exists():
                shutil.copy2(path, home / path.name)
        shutil.copytree(source.policy_dir, target.layout.policy_dir)
        return target


def prepare_candidate(
    spec: CandidateSpec,
    device: EdgeSettings,
    home: Path,
    *,
    jobs: Path | None = None,
    load_model: bool = True,
    model_factory: ModelFactory = load_llama,
) -> PreparedCandidate:
    """Install the candidate in ``home`` (an empty folder) for ``device``.

    ``jobs`` is the job list the cases need; with ``load_model`` the model
    is loaded now, so a model that cannot load is found before any case.

    Raises:
        CandidateInvalid: the KB, the bundle or the model cannot be used.
    """
    settings = device.model_copy(update={"home": home})
    ensure_home(settings)
    keys = device.layout.centre_keys_file
    if keys.exists():
        shutil.copy2(keys, settings.layout.centre_keys_file)
    if jobs is not None:
        shutil.copy2(jobs, settings.layout.jobs_file)
    kb = _install_kb(spec.kb, settings)
    policy = _install_policy(spec.policy_bundle, settings)
    model, loader = _model(spec, device.model_path, model_factory)
    if loader is not None and load_model and loader.wait() is None:
        why = loader.error.message if loader.error else "it did not load."
        raise CandidateInvalid(f"The model cannot be used: {why}", part="model")
    version = app_version() or "unknown"
    identity = CandidateIdentity(version, kb, policy, model)
    return PreparedCandidate(settings, identity, loader)


# --- the knowledge base --------------------------------------------------------


def _install_kb(source: Path | None, settings: EdgeSettings) -> KbIdentity:
    path = source or demo_data_dir()
    label = "demo fleet" if source is None else path.name
    if path.is_file():
        _copy_db(path, settings.layout.knowledge_db)
    elif not path.is_dir():
        raise CandidateInvalid(
            f"The knowledge base {path} does not exist: give --kb a folder of "
            "documents or a knowledge.db.",
            part="kb",
        )
    try:
        with open_knowledge(settings) as store:
            if path.is_dir():
                _ingest(store, path)
            return _kb_identity(store, label, path)
    except (KnowledgeCacheError, KnowledgeDamaged) as exc:
        why = (
            f"it is damaged or not a database ({exc.cause})"
            if isinstance(exc, KnowledgeDamaged)
            else exc.message
        )
        raise CandidateInvalid(
            f"The knowledge base {path} cannot be used: {why}", part="kb"
        ) from exc


def _copy_db(source: Path, target: Path) -> None:
    """Copy a ``knowledge.db`` (and its write-ahead log): the original is
    never opened, so nothing migrates or changes it."""
    shutil.copy2(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists():
        shutil.copy2(wal, Path(f"{target}-wal"))


def _ingest(store: KnowledgeStore, folder: Path) -> None:
    sources = store.sources([folder])
    if not sources:
        raise CandidateInvalid(
            f"The folder {folder} holds no file the knowledge base can ingest "
            "(Markdown, text, PDF, CSV).",
            part="kb",
        )
    failed = store.ingest_sources(sources).failed
    if failed:
        names = "; ".join(f"{o.document_id}: {o.message}" for o in failed)
        raise CandidateInvalid(
            f"The knowledge base {folder} cannot be ingested whole ({names}).",
            part="kb",
        )


def _kb_identity(store: KnowledgeStore, label: str, path: Path) -> KbIdentity:
    stats = store.stats()
    if not stats.documents:
        raise CandidateInvalid(
            f"The knowledge base {path} holds no documents.", part="kb"
        )
    return KbIdentity(
        source=label,
        name=stats.name,
        version=stats.version,
        content_sha256=manifest_hash(store.manifest()),
        documents=stats.documents,
        chunks=stats.chunks,
    )


def manifest_hash(manifest: Manifest) -> str:
    """The KB's content hash: every document's id and content hash, in id
    order, as the centre computes it from a snapshot's files."""
    return kb_content_sha256(
        (e.document_id, e.content_hash) for e in manifest.documents
    )


# --- the policy ----------------------------------------------------------------


def _install_policy(bundle: Path | None, settings: EdgeSettings) -> PolicyIdentity:
    store = open_policy_store(settings)
    if bundle is None:
        # Installed as a device installs it on first use (the shipped key).
        data, source = DEMO_BUNDLE.read_bytes(), "shipped default"
        status = store.status()
    else:
        data, source = _bundle_bytes(bundle), bundle.name
        try:
            store.install(data)
        except BundleRejected as exc:
            raise CandidateInvalid(
                f"The policy bundle {bundle.name} was refused ({exc.reason}): "
                f"{exc.message}",
                part="policy",
            ) from exc
        except PolicyError as exc:
            raise CandidateInvalid(exc.message, part="policy") from exc
        status = store.status()
    return _policy_identity(status, source, data)


def _bundle_bytes(bundle: Path) -> bytes:
    try:
        return bundle.read_bytes()
    except OSError as exc:
        raise CandidateInvalid(
            f"The policy bundle {bundle} cannot be read ({exc.strerror or exc}).",
            part="policy",
        ) from exc


def _policy_identity(status: PolicyStatus, source: str, data: bytes) -> PolicyIdentity:
    if status.bundle is None:
        raise CandidateInvalid(
            f"The policy bundle ({source}) is not in force: {status.reason}",
            part="policy",
        )
    manifest = status.bundle.manifest
    return PolicyIdentity(
        source=source,
        version=status.bundle.version,
        sha256=hashlib.sha256(data).hexdigest(),
        content_sha256=policy_content_sha256(data),
        key_id=manifest.key_id,
        expires_at=format_time(manifest.expires_at),
        read_only=None if status.read_only is None else status.reason,
    )


# --- the model -----------------------------------------------------------------


def _model(
    spec: CandidateSpec, configured: Path | None, factory: ModelFactory
) -> tuple[ModelIdentity, ModelLoader | None]:
    if spec.no_model:
        return ModelIdentity(None, NO_MODEL), None
    chosen = spec.model or configured
    if chosen is None:
        try:
            path = default_model_path()
        except ModelUnavailable as exc:
            raise CandidateInvalid(
                f"{exc.message} Or evaluate without a model: --no-model.",
                part="model",
            ) from exc
    elif not chosen.is_file():
        raise CandidateInvalid(f"The model file {chosen} does not exist.", part="model")
    else:
        path = chosen
    return ModelIdentity(path.name, file_sha256(path)), ModelLoader(path, factory)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in _blocks(handle):
            digest.update(block)
    return digest.hexdigest()


def _blocks(handle: Any) -> Iterable[bytes]:
    while block := handle.read(_CHUNK):
        yield block
