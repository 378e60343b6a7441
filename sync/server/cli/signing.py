"""``edge-governance`` commands that need no database: keys and signed bundles.

edge-governance keys generate [--out DIR] [--key-id ID]
edge-governance policy sign SOURCE_DIR --key KEY --version N --expires ISO8601
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import platformdirs

from policies import PolicyError, format_time
from policies.signing import (
    DEFAULT_MIN_CLIENT_VERSION,
    generate_signing_key,
    read_signing_key,
    sign_policy_dir,
    write_key_pair,
    write_new_file,
)
from sync.server.cli.context import APP_NAME
from sync.server.clock import utc_now


def default_keys_dir() -> Path:
    """Where development keys go by default: outside any source tree."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "keys"


@click.group()
def keys() -> None:
    """Ed25519 signing keys for policy bundles."""


@keys.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the key files (default: this user's edge-governance folder).",
)
@click.option("--key-id", help="Key id (default: dev- and the key's fingerprint).")
def generate(out: Path | None, key_id: str | None) -> None:
    """Write a new development signing key and its public key.

    Never overwrites a key, and never write keys into a source tree: the
    private key must not be committed.
    """
    key = generate_signing_key(key_id)
    private_path, public_path = write_key_pair(key, out or default_keys_dir())
    click.echo(f"key id:      {key.key_id}")
    click.echo(f"private key: {private_path} (keep secret; never commit it)")
    click.echo(
        f"public key:  {public_path} (give this to devices that should trust it)"
    )


@click.group("policy")
def policy_group() -> None:
    """Signed policy bundles."""


@policy_group.command()
@click.argument("source_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The signing key file (*.signing-key).",
)
@click.option(
    "--version",
    "version",
    required=True,
    type=click.IntRange(min=1),
    help="Bundle version; must be above every version devices have seen.",
)
@click.option("--expires", required=True, help="Expiry, e.g. 2027-06-30T00:00:00Z.")
@click.option("--issued", help="Issue time (default: now), ISO 8601 with timezone.")
@click.option(
    "--min-client",
    default=DEFAULT_MIN_CLIENT_VERSION,
    show_default=True,
    help="Oldest app version allowed to use the bundle.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Bundle file to write (default: policy-bundle-v<N>.json here).",
)
def sign(
    source_dir: Path,
    key_path: Path,
    version: int,
    expires: str,
    issued: str | None,
    min_client: str,
    out: Path | None,
) -> None:
    """Build and sign a bundle from the policy source files in SOURCE_DIR."""
    issued_at = _moment(issued, "--issued") if issued else utc_now()
    expires_at = _moment(expires, "--expires")
    data = sign_policy_dir(
        source_dir,
        read_signing_key(key_path),
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        min_client_version=min_client,
    )
    target = out or Path(f"policy-bundle-v{version}.json")
    try:
        write_new_file(target, data, mode=0o644)
    except FileExistsError as exc:
        raise PolicyError(f"{target} exists already; choose another --out.") from exc
    except OSError as exc:
        raise PolicyError(f"Cannot write {target} ({exc.strerror}).") from exc
    click.echo(
        f"Signed policy version {version} ({len(data)} bytes) into {target}; "
        f"expires {format_time(expires_at)}."
    )


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time such as 2027-06-30T00:00:00Z",
            param_hint=option,
        ) from exc
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{text!r} has no timezone; add Z for UTC", param_hint=option
        )
    return moment
