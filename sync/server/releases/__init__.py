"""Releases: one named set of model file, policy, KB and app version.

- ``service.py``: :class:`Releases`, making releases and rolling back.
- ``candidate.py``: a candidate before it is made: its name, the newest
  policy and KB, the gate's verdict (what a supervisor confirms).
- ``gating.py``: a new release through the gate (a passing evaluation
  report for exactly its parts, or a recorded override).
- ``reports.py``: evaluation reports uploaded by devices, and their listing.
- ``restore.py``: an older release's policy and KB published again under
  new versions (a rollback's work).
- ``fleet.py``: which device runs which release; how far the newest came.
- ``manifest.py``: a release's manifest for devices, signed.
- ``parts.py``: content hashes, the default model file, the app version.
"""

from __future__ import annotations

from sync.server.releases.fleet import (
    ReleaseCount,
    ReleaseHistory,
    ReleaseState,
    release_history,
    release_state,
)
from sync.server.releases.manifest import signed_manifest
from sync.server.releases.service import ModelFile, Releases, Rollback

__all__ = [
    "ModelFile",
    "ReleaseCount",
    "ReleaseHistory",
    "ReleaseState",
    "Releases",
    "Rollback",
    "release_history",
    "release_state",
    "signed_manifest",
]
