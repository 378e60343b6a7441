"""The policy shipped with the app: its sources, the signed demo bundle, its key.

Only paths live here; nothing is read at import. ``scripts/make_demo_bundle.py``
rebuilds the bundle and key from the sources.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEFAULTS_DIR",
    "DEMO_BUNDLE",
    "DEMO_EXPIRES_AT",
    "DEMO_KEY_ID",
    "DEMO_VERSION",
    "KEYS_DIR",
    "SOURCE_DIR",
]

DEFAULTS_DIR = Path(__file__).parent
SOURCE_DIR = DEFAULTS_DIR / "policy"
"""The default policy's source files (TOML)."""
DEMO_BUNDLE = DEFAULTS_DIR / "demo-bundle.json"
"""The signed demo bundle a device installs on first use."""
KEYS_DIR = DEFAULTS_DIR / "keys"
"""Public keys the shipped app trusts (``*.pub.json``)."""

DEMO_KEY_ID = "demo-2026"
DEMO_VERSION = 1
DEMO_EXPIRES_AT = "2028-12-31T00:00:00Z"
