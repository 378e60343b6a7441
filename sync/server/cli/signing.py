"""``edge-governance`` commands that need no database: keys and signed bundles.

edge-governance keys list [--json]
edge-governance keys rotate [--revoke KEY_ID]...
edge-governance keys revoke KEY_ID [--yes]
edge-governance keys generate [--out DIR] [--key-id ID]
edge-governance policy sign SOURCE_DIR [--key KEY] --version N --expires ISO8601
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
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
from sync.server.cli.context import APP_NAME, state
from sync.server.clock import utc_now


def default_keys_dir() -> Path:
    """Where development keys go by default: outside any source tree."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "keys"


@click.group()
def keys() -> None:
    """The centre's signing keys, and standalone keys for offline signing.

    The centre makes its own key on first start, in its data folder. Devices
    learn its key set at enrolment and follow every rotation at their next
    sync, also several at once.
    """


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_keys(ctx: click.Context, as_json: bool) -> None:
    """Every key of the centre: active, retired or revoked."""
    centre = state(ctx).keys()
    rows = centre.listing()
    version = centre.current().key_set.version
    if as_json:
        document = {"key_set_version": version, "keys": [asdict(r) for r in rows]}
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"Key set version {version} ({centre.folder})")
    click.echo(f"{'KEY ID':<22} {'STATUS':<8} {'SINCE':>5}  {'FINGERPRINT':<16}  HERE")
    for row in rows:
        here = "yes" if row.private_key_here else "no"
        click.echo(
            f"{row.key_id:<22} {row.status:<8} {'v' + str(row.since):>5}  "
            f"{row.fingerprint:<16}  {here}"
        )


@keys.command()
@click.option(
    "--revoke",
    "revoke",
    multiple=True,
    metavar="KEY_ID",
    help="Also stop trusting this key (repeatable).",
)
@click.pass_context
def rotate(ctx: click.Context, revoke: tuple[str, ...]) -> None:
    """Make a new active key; devices follow at their next sync.

    The old key stays trusted for what it signed unless revoked. Publish
    again afterwards so that devices run bundles signed by the new key.
    """
    key_set = state(ctx).keys().rotate(revoke=revoke)
    click.echo(
        f"Key set version {key_set.version}: {key_set.active} is active"
        + (f"; revoked {', '.join(revoke)}" if revoke else "")
        + ". Devices take it at their next sync."
    )


@keys.command()
@click.argument("key_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def revoke(ctx: click.Context, key_id: str, yes: bool) -> None:
    """Stop trusting KEY_ID (e.g. its private key leaked).

    Devices refuse anything it signed from their next sync, the policy and KB
    they run included: publish a new policy and KB at once. Revoking the
    active key makes a new one.
    """
    warning = (
        f"Devices will refuse everything signed by {key_id}, their running "
        "policy included, until you publish again. Revoke it?"
    )
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("Add --yes to revoke without a question.")
        if not click.confirm(warning, err=True):
            raise click.Abort()
    key_set = state(ctx).keys().revoke(key_id)
    click.echo(
        f"Key set version {key_set.version}: {key_id} is revoked, {key_set.active} "
        "is active. Publish the policy and the KB again now."
    )


@keys.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the key files (default: this user's edge-governance folder).",
)
@click.option("--key-id", help="Key id (default: dev- and the key's fingerprint).")
def generate(out: Path | None, key_id: str | None) -> None:
    """Write a standalone signing key and its public key.

    For signing bundles outside a centre (e.g. a bundle shipped with an app
    build). Enrolled devices do not trust it: they trust the centre's key set
    only. Never overwrites a key; never write keys into a source tree.
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
    type=click.Path(dir_okay=False, path_type=Path),
    help="A standalone signing key file (default: the centre's active key).",
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
@click.pass_context
def sign(
    ctx: click.Context,
    source_dir: Path,
    key_path: Path | None,
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
        read_signing_key(key_path) if key_path else state(ctx).keys().signing_key(),
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
