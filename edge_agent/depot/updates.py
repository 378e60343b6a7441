"""Applying what a sync pulled: keys, policy, knowledge base, jobs, the
release manifest, kill switch.

Each part is applied through its own store's checks, on its own: a part that
is refused leaves the previous one in force and is reported, and never stops
the others.

- Keys: the centre's new key sets are followed first, one version at a time
  (:class:`DeviceTrust`), so a bundle or KB signed by a new key verifies.
- Policy: :meth:`PolicyStore.install` verifies the signed bundle first.
- Knowledge base: the delta's Ed25519 signature is checked against the keys
  the device accepts for policy, then :meth:`KnowledgeStore.apply_snapshot`
  applies it in one transaction. Documents the KB held before and not after
  were withdrawn by the centre: they are named in the report and kept in the
  withdrawn list (:mod:`edge_agent.depot.withdrawn`).
- Jobs: the job book replaces ``jobs.json`` atomically.
- Release: the manifest's signature is checked like a KB delta's and it is
  kept in ``release.json`` when above the one held (:class:`ReleaseFile`).
- Kill switch: recorded for the app to show.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from edge_agent.depot.release import ReleaseFile
from edge_agent.depot.signatures import check_signature
from edge_agent.depot.sync_state import KillSwitch, SyncState
from edge_agent.depot.withdrawn import WithdrawnList
from edge_agent.errors import EdgeAgentError
from edge_agent.jobs import parse_job_book, write_job_book
from edge_agent.policy_store import DeviceTrust, PolicyStore
from knowledge_cache import (
    KnowledgeCacheError,
    Manifest,
    Snapshot,
    SnapshotFile,
)
from policies import PolicyError, TrustedKeys
from sync import KbDelta, PullRequest, PullResponse, ReleaseManifest

Part = Literal["keys", "policy", "kb", "jobs", "release"]
PartStatus = Literal["updated", "refused"]


class KnowledgeBase(Protocol):
    """What a sync needs of the knowledge base: its version, and taking a
    snapshot (a :class:`KnowledgeStore`, or a stand-in for a damaged one)."""

    def manifest(self) -> Manifest: ...

    def apply_snapshot(self, snapshot: Snapshot) -> int: ...


@dataclass(frozen=True, slots=True)
class PartOutcome:
    """What became of one pulled part.

    Attributes:
        part: ``keys``, ``policy``, ``kb``, ``jobs`` or ``release``.
        status: ``updated``, or ``refused`` (the previous one stays).
        message: What changed, or why it was refused, in plain language.
        version: The version now in force, when it was updated.
        withdrawn: For the KB: the documents the centre withdrew in it.
    """

    part: Part
    status: PartStatus
    message: str
    version: int = 0
    withdrawn: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """The outcome of each part the pull brought, and the kill switch."""

    parts: tuple[PartOutcome, ...]
    kill_switch: KillSwitch

    def outcome(self, part: Part) -> PartOutcome | None:
        """The outcome for ``part``, or ``None`` when the pull did not bring it."""
        return next((o for o in self.parts if o.part == part), None)


def pull_request(
    state: SyncState,
    *,
    trust: DeviceTrust,
    policy: PolicyStore,
    knowledge: KnowledgeBase,
    model: str = "",
    model_sha256: str = "",
    release: ReleaseFile | None = None,
) -> PullRequest:
    """What the device holds, for the centre to send only what is newer
    (``model`` and ``model_sha256``: the model file it answers with, for the
    fleet's state; ``release``: where it keeps the release manifest).

    Raises:
        PolicyError: the centre's key set file is damaged.
    """
    bundle = policy.status().bundle
    key_set = trust.key_set()
    return PullRequest(
        key_set_version=0 if key_set is None else key_set.version,
        results_after=state.results_cursor,
        policy_version=0 if bundle is None else bundle.version,
        kb_version=knowledge.manifest().version,
        jobs_version=state.jobs_version,
        refused=list(state.refused),
        model=model,
        model_sha256=model_sha256,
        release_id=None if release is None else release.held_id(policy.trusted_keys),
    )


def apply_pull(
    pull: PullResponse,
    *,
    trust: DeviceTrust,
    policy: PolicyStore,
    knowledge: KnowledgeBase,
    jobs_file: Path,
    received_at: str,
    release: ReleaseFile | None = None,
    withdrawn: WithdrawnList | None = None,
) -> ApplyReport:
    """Apply each part of ``pull``; report what was updated or refused.

    Args:
        pull: What the sync pulled.
        trust: The device's trust root; new key sets are followed first.
        policy: The device's policy store; its trusted keys check KB deltas too.
        knowledge: The device's knowledge base.
        jobs_file: Where the job book lives.
        received_at: When the pull arrived (ISO 8601), recorded with the jobs.
        release: Where the release manifest is kept (``None``: not taken).
        withdrawn: Where documents the centre withdrew are listed
            (``None``: named in the report only).
    """
    parts: list[PartOutcome] = []
    if pull.key_sets:
        parts.append(_follow_keys(trust, policy, pull.key_sets))
    if pull.policy_bundle is not None:
        parts.append(_apply_policy(policy, pull.policy_bundle))
    if pull.kb is not None:
        parts.append(
            _apply_kb(
                knowledge,
                pull.kb,
                policy.trusted_keys,
                withdrawn=withdrawn,
                at=received_at,
            )
        )
    if pull.jobs is not None:
        parts.append(_apply_jobs(jobs_file, pull.jobs, received_at))
    if pull.release is not None and release is not None:
        parts.append(_apply_release(release, pull.release, policy.trusted_keys))
    parts += [PartOutcome(s.part, "refused", s.message) for s in pull.skipped]
    switch = pull.kill_switch
    return ApplyReport(
        parts=tuple(parts),
        kill_switch=KillSwitch(switch.agent, tuple(switch.tools), switch.reason),
    )


def next_state(
    state: SyncState, pull: PullResponse, report: ApplyReport, *, at: str
) -> SyncState:
    """The state to store once the pull's results are in the outbox."""
    jobs = report.outcome("jobs")
    jobs_version = state.jobs_version
    if jobs is not None and jobs.status == "updated":
        jobs_version = pull.jobs_version
    return SyncState(
        results_cursor=max(state.results_cursor, pull.results_cursor),
        jobs_version=jobs_version,
        last_sync_at=at,
        last_attempt_at=at,
        kill_switch=report.kill_switch,
        refused=tuple(p.message for p in report.parts if p.status == "refused"),
        journal_cursor=state.journal_cursor,
    )


def _follow_keys(
    trust: DeviceTrust, policy: PolicyStore, texts: list[str]
) -> PartOutcome:
    try:
        key_set = trust.follow(texts)
        policy.use_keys(trust.accepted(), trust.kept())
    except PolicyError as exc:
        why = (
            f"The centre's new keys were refused, the keys in force stay: {exc.message}"
        )
        return PartOutcome("keys", "refused", why)
    if key_set is None:
        return PartOutcome("keys", "updated", "The centre's keys are unchanged.")
    revoked = f"; revoked: {', '.join(key_set.revoked)}" if key_set.revoked else ""
    message = (
        f"The centre's key set version {key_set.version} is in force (signing "
        f"key {key_set.active}{revoked})."
    )
    return PartOutcome("keys", "updated", message, key_set.version)


def _apply_policy(policy: PolicyStore, text: str) -> PartOutcome:
    try:
        bundle = policy.install(text.encode("utf-8"))
    except PolicyError as exc:
        why = f"Policy bundle refused, the active policy stays: {exc.message}"
        return PartOutcome("policy", "refused", why)
    message = f"Policy version {bundle.version} is active."
    return PartOutcome("policy", "updated", message, bundle.version)


def _apply_kb(
    store: KnowledgeBase,
    delta: KbDelta,
    keys: TrustedKeys,
    *,
    withdrawn: WithdrawnList | None = None,
    at: str = "",
) -> PartOutcome:
    try:
        snapshot = verified_snapshot(delta, keys)
        before = _document_ids(store)
        version = store.apply_snapshot(snapshot)
        gone = sorted(before - _document_ids(store))
    except (EdgeAgentError, KnowledgeCacheError) as exc:
        why = f"Knowledge base update refused, the KB is unchanged: {exc.message}"
        return PartOutcome("kb", "refused", why)
    files = len(snapshot.files)
    message = f"Knowledge base version {version} ({files} file(s) updated)."
    message += _withdrawn_words(gone, version, snapshot, withdrawn, at)
    return PartOutcome("kb", "updated", message, version, tuple(gone))


def _document_ids(store: KnowledgeBase) -> set[str]:
    return {entry.document_id for entry in store.manifest().documents}


def _withdrawn_words(
    gone: list[str],
    version: int,
    snapshot: Snapshot,
    withdrawn: WithdrawnList | None,
    at: str,
) -> str:
    said = f" Withdrawn by the centre in KB v{version}: {', '.join(gone)}."
    if not gone:
        said = ""
    if withdrawn is None:
        return said
    published = [file.document_id for file in snapshot.files]
    try:
        withdrawn.record(gone, kb_version=version, at=at, published=published)
    except OSError as exc:
        return (
            f"{said} (Cannot keep the list of withdrawn documents: "
            f"{exc.strerror or exc}.)"
        )
    return said


def _apply_jobs(path: Path, jobs: dict[str, object], received_at: str) -> PartOutcome:
    try:
        book = parse_job_book({**jobs, "received_at": received_at})
        write_job_book(path, book)
    except EdgeAgentError as exc:
        why = f"Job list refused, the previous one stays: {exc.message}"
        return PartOutcome("jobs", "refused", why)
    except OSError as exc:
        why = f"Cannot write the job list {path} ({exc.strerror or exc})."
        return PartOutcome("jobs", "refused", why)
    return PartOutcome("jobs", "updated", f"{len(book.jobs)} job(s) assigned.")


def _apply_release(
    release: ReleaseFile, manifest: ReleaseManifest, keys: TrustedKeys
) -> PartOutcome:
    try:
        release.install(manifest, keys)
    except EdgeAgentError as exc:
        why = f"Release manifest refused, the release held stays: {exc.message}"
        return PartOutcome("release", "refused", why)
    names = ", ".join(model.name for model in manifest.models)
    message = (
        f"Release {manifest.name} ({manifest.release_id}) is in force: model "
        f"{names}, policy v{manifest.policy_version}, KB v{manifest.kb_version}."
    )
    return PartOutcome("release", "updated", message, manifest.release_id)


def verified_snapshot(delta: KbDelta, keys: TrustedKeys) -> Snapshot:
    """The delta as a :class:`Snapshot`, once its signature checks out.

    Raises:
        EdgeAgentError: the signature is missing, from an unknown key, or does
            not match; or a file is not base64.
    """
    check_signature(
        key_id=delta.key_id,
        signature=delta.signature,
        message=delta.signed_bytes(),
        keys=keys,
    )
    return Snapshot(
        version=delta.version,
        files=tuple(
            SnapshotFile(name, _decoded(name, text))
            for name, text in sorted(delta.files.items())
        ),
        removed=tuple(delta.removed),
        base_version=delta.base_version,
    )


def _decoded(name: str, text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise EdgeAgentError(f"its file {name} is not valid base64.") from exc
