"""A release candidate before it is made: its name checked, the newest
published policy and KB, and what the gate says of it.

``Releases.create`` makes a release of exactly these parts; a front end
shows :func:`preview_candidate` first, so a supervisor confirms knowing the
gate's verdict (and whether an override is needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from sync.server.errors import PublishRefused
from sync.server.gate import GateConfig, Parts
from sync.server.releases.gating import GateOutcome, gate_outcome
from sync.server.releases.parts import kb_sha256, policy_sha256
from sync.server.storage import Storage, fleet
from sync.server.storage import releases as stored

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
"""A release's name: letters, digits and ._- (at most 80), not a number."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a release made now would be, and the gate's verdict on it.

    Attributes:
        name: The release's name (checked, not taken).
        parts: The model file, policy and KB content hashes, app version.
        policy_version: The newest published policy's version.
        kb_version: The newest published KB version.
        gate: The gate's verdict (nothing recorded).
    """

    name: str
    parts: Parts
    policy_version: int
    kb_version: int
    gate: GateOutcome


def preview_candidate(
    storage: Storage,
    name: str,
    *,
    model_name: str,
    model_sha256: str,
    app: str,
    gate: GateConfig,
) -> Candidate:
    """The release ``Releases.create`` would make now, judged by the gate.

    Raises:
        PublishRefused: a bad name or one taken, or nothing published yet.
    """
    check_name(name)
    with storage.read() as connection:
        if stored.find_release(connection, name) is not None:
            raise PublishRefused(
                f"A release named {name} exists already; choose another name."
            )
        policy = newest_policy(connection, None)
        kb = newest_kb(connection, None)
        parts = Parts(model_name, model_sha256, policy[1], kb[1], app)
        outcome = gate_outcome(connection, parts, gate)
    return Candidate(name, parts, policy[0], kb[0], outcome)


def check_name(name: str) -> None:
    """Raises PublishRefused unless ``name`` can name a release."""
    if not NAME.fullmatch(name) or name.isdigit():
        raise PublishRefused(
            f"{name!r} is not a release name: use letters, digits and ._- (at "
            "most 80 characters, starting with a letter or digit), not a number "
            "alone."
        )


def newest_policy(connection: Connection, asked: int | None) -> tuple[int, str]:
    """The newest published bundle's version and content hash.

    Raises:
        PublishRefused: none is published, or ``asked`` is not the newest.
    """
    bundle = fleet.latest_bundle(connection)
    if bundle is None:
        raise PublishRefused(
            "No policy is published yet: publish one first (edge-governance "
            "policy publish DIR)."
        )
    if asked is not None and asked != bundle.version:
        raise PublishRefused(
            f"Policy version {asked} is not the newest published ({bundle.version}): "
            "devices take only the newest. To bring older content back, roll "
            "back to a release that has it (release rollback --to NAME)."
        )
    return bundle.version, policy_sha256(bundle.document)


def newest_kb(connection: Connection, asked: int | None) -> tuple[int, str]:
    """The newest published KB version and its content hash.

    Raises:
        PublishRefused: none is published, or ``asked`` is not the newest.
    """
    latest = fleet.latest_kb_version(connection)
    snapshot = fleet.kb_version(connection, latest) if latest else None
    if snapshot is None:
        raise PublishRefused(
            "No knowledge base is published yet: publish one first "
            "(edge-governance kb publish PATH)."
        )
    if asked is not None and asked != latest:
        raise PublishRefused(
            f"KB version {asked} is not the newest published ({latest}): devices "
            "take only the newest. To bring older content back, roll back to a "
            "release that has it (release rollback --to NAME)."
        )
    return latest, kb_sha256(snapshot["snapshot"])
