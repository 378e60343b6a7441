"""The device's policy: the active signed bundle, kept under ``<home>/policy``.

The folder holds:

- ``state.json``: the commit point. Names the active bundle file with its SHA-256
  and version, and the high-water time: the latest time this device has seen
  (from its clock, or a bundle's signed issue time).
- ``bundle-v<N>.json``: the active bundle, byte for byte as received.

A bundle becomes active only once :func:`policies.verify_bundle` accepts it, by
writing its file and then replacing ``state.json`` (temp file, fsync,
``os.replace``). Any failure leaves the active bundle as it was. Every check
uses the high-water time, so setting the clock back neither revives an expired
bundle nor lets an older one in; the highest version accepted is remembered
even if the bundle file goes missing.

Whose signatures count is :class:`DeviceTrust`'s: the shipped keys before
enrolment, the centre's key set after. Expired, missing, altered or
switched-off bundles put the assistant in
read-only mode (:class:`PolicyStatus`), with the reason.
"""

from __future__ import annotations

from edge_agent.policy_store.folder import HIGH_WATER_STEP, STATE_FILE
from edge_agent.policy_store.opening import (
    app_version,
    device_trust,
    open_policy_store,
    shipped_trusted_keys,
)
from edge_agent.policy_store.status import PolicyStatus, ReadOnlyReason
from edge_agent.policy_store.store import PolicyStore
from edge_agent.policy_store.trust import DeviceTrust

__all__ = [
    "DeviceTrust",
    "HIGH_WATER_STEP",
    "STATE_FILE",
    "PolicyStatus",
    "PolicyStore",
    "ReadOnlyReason",
    "app_version",
    "device_trust",
    "open_policy_store",
    "shipped_trusted_keys",
]
