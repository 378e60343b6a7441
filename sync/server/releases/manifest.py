"""A release's manifest for devices, signed with the centre's active key.

The manifest is signed when a pull delivers it, so a device always gets it
signed by a key of the centre's current key set, whatever keys were rotated
or revoked since the release was made.
"""

from __future__ import annotations

from policies.encoding import encode_base64
from policies.signing import SigningKey
from sync.protocol import ReleaseManifest, ReleaseModel
from sync.server.storage.releases import Release


def signed_manifest(release: Release, key: SigningKey) -> ReleaseManifest:
    """The release's manifest signed with ``key``."""
    unsigned = ReleaseManifest(
        release_id=release.release_id,
        name=release.name,
        models=[ReleaseModel(name=release.model_name, sha256=release.model_sha256)],
        policy_version=release.policy_version,
        kb_version=release.kb_version,
        kb_sha256=release.kb_sha256,
        app_version=release.app_version,
        issued_at=release.created_at.isoformat(),
        signature="",
        key_id=key.key_id,
    )
    signature = encode_base64(key.sign(unsigned.signed_bytes()))
    return unsigned.model_copy(update={"signature": signature})
