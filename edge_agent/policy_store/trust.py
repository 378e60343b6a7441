"""Whose signatures this device accepts on policy bundles and KB snapshots.

Before enrolment: the keys shipped with the app (the demo key). At enrolment
the device learns the centre's key set, bound to the enrolment token, and
keeps it in ``<home>/centre-keys.json``; at each sync it follows the centre's
later key sets (rotations, revocations) one version at a time. From then on
only the centre's keys are accepted for anything new; the shipped keys keep
only the bundle already installed working until the centre's first bundle
replaces it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from edge_agent.errors import CentreKeysDamaged
from edge_agent.files import write_atomic
from policies import (
    KeySet,
    KeySetRejected,
    PolicyError,
    TrustedKeys,
    first_key_set,
    follow_key_sets,
    parse_key_set,
)


class DeviceTrust:
    """The device's trust root and the keys it implies.

    Args:
        path: The centre's key set file (``<home>/centre-keys.json``).
        shipped: The keys shipped with the app.
    """

    def __init__(self, path: Path, shipped: TrustedKeys) -> None:
        self.path = path
        self._shipped = shipped

    def key_set(self) -> KeySet | None:
        """The centre's key set in force, or ``None`` before enrolment.

        Raises:
            CentreKeysDamaged: the file is damaged.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._damaged(str(exc)) from exc
        try:
            return parse_key_set(text).key_set
        except KeySetRejected as exc:
            raise self._damaged(exc.message) from exc

    def accepted(self) -> TrustedKeys:
        """The keys a new bundle or KB snapshot may be signed with.

        Raises:
            CentreKeysDamaged: the centre's key set file is damaged.
        """
        key_set = self.key_set()
        return self._shipped if key_set is None else key_set.trusted

    def kept(self) -> TrustedKeys:
        """Keys that still verify the bundle already installed, and nothing new.

        Raises:
            CentreKeysDamaged: the centre's key set file is damaged.
        """
        return TrustedKeys() if self.key_set() is None else self._shipped

    def adopt(self, text: str) -> KeySet:
        """Trust the key set an enrolment reply brought (already bound to it).

        Raises:
            KeySetRejected: it is not a self-signed key set.
            PolicyError: the file cannot be written.
        """
        key_set = first_key_set(text)
        self._write(text)
        return key_set

    def follow(self, texts: Sequence[str]) -> KeySet | None:
        """Follow the centre's later key sets; the new set, or ``None`` if none.

        Raises:
            KeySetRejected: a link of the chain does not verify; the key set
                in force is unchanged.
            PolicyError: the device is not enrolled with a key set, or the
                file cannot be written.
            CentreKeysDamaged: the file is damaged.
        """
        current = self.key_set()
        if not texts:
            return None
        if current is None:
            raise KeySetRejected(
                "This device has no centre key set to check the centre's new one "
                "against; enrol it again with a new token from the depot."
            )
        newest = follow_key_sets(current, texts)
        if newest.version == current.version:
            return None
        chosen = next(
            t for t in texts if parse_key_set(t).key_set.version == newest.version
        )
        self._write(chosen)
        return newest

    def _write(self, text: str) -> None:
        try:
            write_atomic(self.path, text.encode("utf-8"))
            os.chmod(self.path, 0o644)
        except OSError as exc:
            raise PolicyError(
                f"Cannot store the centre's keys in {self.path} "
                f"({exc.strerror or exc}).",
                title="Centre keys not saved",
            ) from exc

    def _damaged(self, why: str) -> CentreKeysDamaged:
        return CentreKeysDamaged(
            f"The centre's key set {self.path} is damaged ({why}). It was left as "
            "it is. Until it is restored no policy bundle or update can be "
            "checked: actions cannot be proposed (read-only) and 'edge-agent "
            "sync' stops before it sends anything. Put the file back from a "
            "backup, or enrol the device again with a new token from the depot "
            "('edge-agent enroll'), which writes the centre's keys anew. Queued "
            "actions are kept: 'edge-agent actions list' works.",
            path=self.path,
        )
