"""The release this device runs by: the centre's signed manifest, in the home.

A manifest a pull brings is taken only when its signature checks out with
the keys the device accepts for policy (the centre's key set) and its release
number is above the one held; otherwise it is refused and the one held stays.
The file is checked again whenever it is read (before a model loads, when a
sync says which release the device holds), so a file changed on the disk, or
signed by a key the centre has since revoked, is not trusted: the next sync
brings the release again, signed by a current key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from edge_agent.depot.signatures import check_signature
from edge_agent.errors import EdgeAgentError
from edge_agent.files import write_atomic
from policies import TrustedKeys
from sync import ReleaseManifest


class ReleaseFile:
    """The release manifest kept in the home (``release.json``).

    Args:
        path: The file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, keys: TrustedKeys) -> ReleaseManifest | None:
        """The manifest held, checked; ``None`` when there is none yet.

        Raises:
            EdgeAgentError: the file is damaged or its signature does not
                check out with ``keys``.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._untrusted(str(exc)) from exc
        try:
            manifest = ReleaseManifest.model_validate_json(text)
            return verified_release(manifest, keys)
        except ValidationError as exc:
            raise self._untrusted("it is not a release manifest") from exc
        except EdgeAgentError as exc:
            raise self._untrusted(exc.message.rstrip(".")) from exc

    def held_id(self, keys: TrustedKeys) -> int:
        """The number of the release held and trusted (0: none), for the
        centre to send a newer one (or the same again, when untrusted)."""
        try:
            manifest = self.read(keys)
        except EdgeAgentError:
            return 0
        return 0 if manifest is None else manifest.release_id

    def install(self, manifest: ReleaseManifest, keys: TrustedKeys) -> None:
        """Keep ``manifest`` once checked; the one held stays on any failure.

        Raises:
            EdgeAgentError: a bad signature, an untrusted key, a release not
                above the one held, or the file cannot be written.
        """
        verified_release(manifest, keys)
        held = self.held_id(keys)
        if manifest.release_id <= held:
            raise EdgeAgentError(
                f"it is release {manifest.release_id}, not above release {held} "
                "that this device holds; releases only go up."
            )
        try:
            write_atomic(self.path, manifest.model_dump_json(indent=2).encode("utf-8"))
        except OSError as exc:
            raise EdgeAgentError(
                f"cannot write {self.path} ({exc.strerror or exc})."
            ) from exc

    def _untrusted(self, why: str) -> EdgeAgentError:
        return EdgeAgentError(
            f"The release manifest {self.path} cannot be trusted ({why}); the "
            "next sync with the depot brings it again.",
            title="Release manifest untrusted",
        )


def verified_release(manifest: ReleaseManifest, keys: TrustedKeys) -> ReleaseManifest:
    """``manifest``, once its signature checks out with ``keys``.

    Raises:
        EdgeAgentError: the signature is missing, from an unknown key, or
            does not match.
    """
    check_signature(
        key_id=manifest.key_id,
        signature=manifest.signature,
        message=manifest.signed_bytes(),
        keys=keys,
    )
    return manifest
