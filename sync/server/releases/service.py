"""Making releases and rolling back, for supervisors.

A release names what devices run: a model file (its name and SHA-256), the
published policy and KB versions (with their content hashes) and the app
version. Only the newest published policy and KB can be part of a new
release, since devices take only the newest. A rollback brings an older
release's content back under new, higher versions (devices never go down in
version) and is a release of its own. A new release passes the gate first
(an uploaded evaluation report for exactly its parts that meets the
thresholds, or a supervisor's recorded override); a rollback does not, since
it publishes again content that shipped already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from sync.server.centre_keys import CentreKeys
from sync.server.errors import PublishRefused, RecordNotFound
from sync.server.gate import GateConfig
from sync.server.records import Clock
from sync.server.releases.candidate import check_name, newest_kb, newest_policy
from sync.server.releases.gating import pass_gate, release_parts
from sync.server.releases.parts import app_version, default_model_file, file_sha256
from sync.server.releases.restore import restore_kb, restore_policy
from sync.server.storage import Storage
from sync.server.storage import releases as stored
from sync.server.storage.audit import record_event
from sync.server.storage.evaluation_reports import add_gate_record
from sync.server.storage.releases import Release

HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ModelFile:
    """The model file of a release: its name and the SHA-256 of its bytes."""

    name: str
    sha256: str

    @classmethod
    def of(cls, path: Path) -> ModelFile:
        """The file at ``path``, hashed.

        Raises:
            PublishRefused: it cannot be read.
        """
        return cls(path.name, file_sha256(path))

    @classmethod
    def named(cls, name: str, sha256: str) -> ModelFile:
        """A file known by name and hash only.

        Raises:
            PublishRefused: the hash is not 64 hex digits, or the name is empty.
        """
        digest = sha256.strip().lower()
        if not HEX64.fullmatch(digest):
            raise PublishRefused(
                f"{sha256!r} is not a SHA-256: give 64 hex digits (sha256sum FILE)."
            )
        if not name.strip() or len(name) > 200:
            raise PublishRefused("Give the model file's name (at most 200 characters).")
        return cls(name.strip(), digest)


@dataclass(frozen=True, slots=True)
class Rollback:
    """A rollback: the new release, and which parts were published again.

    Attributes:
        release: The new release (it restores an older one's content).
        rolled_back: The release that was newest before.
        restored: The release whose content came back.
        policy_republished: Whether the policy was published again (else the
            newest published one already had that content).
        kb_republished: The same for the KB.
    """

    release: Release
    rolled_back: Release
    restored: Release
    policy_republished: bool
    kb_republished: bool


class Releases:
    """Releases for supervisors.

    Args:
        storage: The service's storage.
        keys: The centre's keys (a rollback signs what it publishes again).
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, keys: CentreKeys, *, clock: Clock) -> None:
        self._storage = storage
        self._keys = keys
        self._clock = clock

    def create(
        self,
        name: str,
        *,
        actor: str,
        model: ModelFile | None = None,
        policy_version: int | None = None,
        kb_version: int | None = None,
        app: str | None = None,
        gate: GateConfig | None = None,
        override: str | None = None,
    ) -> Release:
        """Record a release of the newest published policy and KB, once an
        uploaded evaluation report vouches for exactly these parts and
        passes the gate (:mod:`sync.server.releases.gating`).

        Args:
            name: Its name (unique; letters, digits and ._-).
            actor: Who makes it.
            model: The model file; the default model installed here if ``None``.
            policy_version: Must be the newest published; that by default.
            kb_version: Must be the newest published; that by default.
            app: The app version; the one installed here by default.
            gate: The thresholds (the defaults if ``None``).
            override: A supervisor's reason to publish without a passing
                report; recorded with the release and audited.

        Raises:
            PublishRefused: a bad name or one taken, nothing published yet, a
                version that is not the newest, no default model here, an
                empty override reason, or the gate refuses the candidate.
        """
        check_name(name)
        if override is not None and not override.strip():
            raise PublishRefused(
                "Say why the gate is overridden with --reason; it is kept with "
                "the release."
            )
        model = model or ModelFile.of(default_model_file())
        app = app or app_version()
        if not app:
            raise PublishRefused(
                "The app's version is unknown here: give --app-version."
            )
        now = self._clock()
        with self._storage.write() as connection:
            stored.lock_releases(connection)
            if stored.find_release(connection, name) is not None:
                raise PublishRefused(
                    f"A release named {name} exists already; choose another name."
                )
            policy = newest_policy(connection, policy_version)
            kb = newest_kb(connection, kb_version)
            release = Release(
                release_id=stored.next_release_id(connection),
                name=name,
                model_name=model.name,
                model_sha256=model.sha256,
                policy_version=policy[0],
                policy_sha256=policy[1],
                kb_version=kb[0],
                kb_sha256=kb[1],
                app_version=app,
                created_at=now,
                created_by=actor,
            )
            record = pass_gate(
                connection,
                release_parts(release),
                gate or GateConfig(),
                release_id=release.release_id,
                at=now,
                actor=actor,
                override=override.strip() if override else None,
            )
            stored.add_release(connection, release)
            add_gate_record(connection, record)
            record_event(
                connection,
                at=now,
                actor=actor,
                event="release_created",
                detail={**_detail(release), "report_id": record.report_id},
            )
            if record.overridden:
                record_event(
                    connection,
                    at=now,
                    actor=actor,
                    event="release_gate_overridden",
                    detail={
                        "release_id": release.release_id,
                        "name": release.name,
                        "reason": record.reason,
                        "failures": list(record.failures),
                        "report_id": record.report_id,
                    },
                )
        return release

    def rollback(self, *, reason: str, actor: str, to: str | None = None) -> Rollback:
        """Bring back an older release's content as a new release.

        Its policy and KB are published again under versions above the
        newest (unless the newest already has that content), signed with the
        centre's active key; devices take them at their next sync.

        Args:
            reason: Why (kept with the release and in the audit log).
            actor: Who rolls back.
            to: The release to bring back (name or number); by default the
                one made before the newest.

        Raises:
            PublishRefused: no reason, no release yet, nothing before the
                newest, or the newest named.
            RecordNotFound: no release of that name or number.
        """
        if not reason.strip():
            raise PublishRefused("Say why with --reason; it is kept with the release.")
        key = self._keys.signing_key()
        now = self._clock()
        with self._storage.write() as connection:
            stored.lock_releases(connection)
            current, target = _rollback_pair(connection, to)
            policy_version, policy_again = restore_policy(
                connection, target, key, at=now, actor=actor
            )
            kb_version, kb_again = restore_kb(
                connection, target, key, at=now, actor=actor
            )
            release_id = stored.next_release_id(connection)
            release = Release(
                release_id=release_id,
                name=f"{target.name}-rollback-{release_id}",
                model_name=target.model_name,
                model_sha256=target.model_sha256,
                policy_version=policy_version,
                policy_sha256=target.policy_sha256,
                kb_version=kb_version,
                kb_sha256=target.kb_sha256,
                app_version=target.app_version,
                created_at=now,
                created_by=actor,
                rollback_of=current.release_id,
                restores=target.release_id,
                reason=reason.strip(),
            )
            stored.add_release(connection, release)
            record_event(
                connection,
                at=now,
                actor=actor,
                event="release_rolled_back",
                detail={**_detail(release), "reason": release.reason},
            )
        return Rollback(release, current, target, policy_again, kb_again)


def _rollback_pair(connection: Connection, to: str | None) -> tuple[Release, Release]:
    """The newest release and the one to bring back."""
    current = stored.newest_release(connection)
    if current is None:
        raise PublishRefused(
            "No release has been made yet: there is nothing to roll back."
        )
    if to is None:
        target = stored.release_before(connection, current.release_id)
        if target is None:
            raise PublishRefused(
                f"Release {current.name} is the first: there is none before it "
                "to roll back to."
            )
        return current, target
    target = stored.find_release(connection, to)
    if target is None:
        raise RecordNotFound(f"No release is named or numbered {to}.", record_id=to)
    if target.release_id == current.release_id:
        raise PublishRefused(
            f"Release {current.name} is the newest already: name an older one."
        )
    return current, target


def _detail(release: Release) -> dict[str, object]:
    return {
        "release_id": release.release_id,
        "name": release.name,
        "model": release.model_name,
        "model_sha256": release.model_sha256,
        "policy_version": release.policy_version,
        "kb_version": release.kb_version,
        "app_version": release.app_version,
        "rollback_of": release.rollback_of,
        "restores": release.restores,
    }
