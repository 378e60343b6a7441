"""Rebuild the shipped demo policy bundle, signed with a throwaway key.

    .venv/bin/python scripts/make_demo_bundle.py [--issued-at TIME]

Signs ``policies/defaults/policy/*.toml`` as version 1 with key id
``demo-2026``, expiring 2028-12-31T00:00:00Z, and writes the bundle and the new
public key into ``policies/defaults/``. The private key exists only in memory and
is discarded, so nobody can sign another bundle with it. The bundle is issued
now, or at ``--issued-at`` (ISO 8601 with a time zone): a device refuses a
bundle issued more than a day ahead of its clock, so the tests' fixed clocks
need an issue time before them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from policies import PolicyError
from policies.defaults import DEMO_EXPIRES_AT, DEMO_KEY_ID, DEMO_VERSION
from policies.keys import PUBLIC_KEY_SUFFIX
from policies.signing import generate_signing_key, sign_policy_dir

DEFAULTS = Path(__file__).resolve().parent.parent / "policies" / "defaults"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo bundle and its public key; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--defaults",
        type=Path,
        default=DEFAULTS,
        help="folder holding policy/ (sources); bundle and key are written here",
    )
    parser.add_argument(
        "--issued-at",
        type=_aware_time,
        default=None,
        help="issue time, ISO 8601 with a time zone (default: now)",
    )
    options = parser.parse_args(argv)
    defaults: Path = options.defaults
    expires_at = datetime.fromisoformat(DEMO_EXPIRES_AT)
    issued_at: datetime = options.issued_at or datetime.now(UTC)
    key = generate_signing_key(DEMO_KEY_ID)
    try:
        data = sign_policy_dir(
            defaults / "policy",
            key,
            version=DEMO_VERSION,
            issued_at=issued_at,
            expires_at=expires_at,
        )
    except PolicyError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    keys_dir = defaults / "keys"
    keys_dir.mkdir(exist_ok=True)
    public_path = keys_dir / f"{DEMO_KEY_ID}{PUBLIC_KEY_SUFFIX}"
    public_path.write_text(key.public_key.to_json(), encoding="utf-8")
    bundle_path = defaults / "demo-bundle.json"
    bundle_path.write_bytes(data)
    print(f"bundle:     {bundle_path}")
    print(f"public key: {public_path} (fingerprint {key.public_key.fingerprint})")
    print("The private key was not saved.")
    return 0


def _aware_time(text: str) -> datetime:
    """A time with a time zone, for ``--issued-at``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or +00:00")
    return moment


if __name__ == "__main__":
    sys.exit(main())
