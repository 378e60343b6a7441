"""This device's policy store, opened from its settings and the installed app.

The keys it trusts (the shipped ones before enrolment, the centre's key set
after: see :class:`~edge_agent.policy_store.trust.DeviceTrust`), the app's
version that each bundle's minimum is checked against, and the shipped demo
bundle installed on first use.
"""

from __future__ import annotations

import importlib.metadata

from edge_agent.clock import Clock, utc_now
from edge_agent.config import EdgeSettings
from edge_agent.errors import CentreKeysDamaged
from edge_agent.policy_store.store import PolicyStore
from edge_agent.policy_store.trust import DeviceTrust
from policies import DEMO_BUNDLE, KEYS_DIR, TrustedKeys, read_trusted_keys

PACKAGE = "edge-field-assistant"
"""The distribution the app is installed as, which holds its version."""


def app_version() -> str | None:
    """The installed app's version, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def shipped_trusted_keys() -> TrustedKeys:
    """The public keys shipped with the app (``policies/defaults/keys``).

    Raises:
        PolicyError: a shipped key file is unreadable or invalid.
    """
    return read_trusted_keys(KEYS_DIR)


def device_trust(settings: EdgeSettings) -> DeviceTrust:
    """This device's trust root: the centre's key set once enrolled.

    Raises:
        PolicyError: a shipped key file is unreadable or invalid.
    """
    return DeviceTrust(settings.layout.centre_keys_file, shipped_trusted_keys())


def open_policy_store(settings: EdgeSettings, *, clock: Clock = utc_now) -> PolicyStore:
    """The store for this device: its trusted keys, shipped demo bundle as default.

    A damaged key set of the centre makes the store read-only (its status
    says why), so what needs no policy still works.

    Raises:
        PolicyError: a shipped key file is unreadable or invalid.
    """
    trust = device_trust(settings)
    unusable: str | None = None
    try:
        accepted, kept = trust.accepted(), trust.kept()
    except CentreKeysDamaged as exc:
        accepted, kept, unusable = TrustedKeys(), TrustedKeys(), exc.message
    return PolicyStore(
        settings.layout.policy_dir,
        accepted,
        kept_keys=kept,
        clock=clock,
        client_version=app_version(),
        default_bundle=DEMO_BUNDLE,
        unusable=unusable,
    )
