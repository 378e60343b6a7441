"""``edge-governance``: the central side's command line.

    edge-governance [--database-url URL] [--data-dir DIR] [--as NAME] COMMAND
    edge-governance keys generate [--out DIR] [--key-id ID]
    edge-governance policy sign SOURCE_DIR --key KEY --version N --expires ISO8601
    edge-governance policy publish FILE|DIR [--key K] [--expires-in 30d]
    edge-governance serve [--host 127.0.0.1] [--port N] [--database-url URL]
    edge-governance device enroll-token|list|revoke ...
    edge-governance review list|approve KEY|reject KEY --reason TEXT
    edge-governance kb publish PATH
    edge-governance jobs assign --device D FILE.json
    edge-governance kill-switch --device D|--tool T|--fleet on|off
    edge-governance report [--technician T] [--since ISO]

Settings come from ``EDGE_GOVERNANCE_*`` variables, overridden by flags.
Exit codes: 0 done, 1 failed (the message says why), 2 usage or configuration
error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
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
from sync.server import cli_fleet, cli_review
from sync.server.cli_context import CliState, default_actor
from sync.server.errors import ConfigInvalid, ServerError

OK = 0
FAILURE = 1
USAGE = 2
APP_NAME = "edge-governance"

logger = logging.getLogger("sync.server")


def default_keys_dir() -> Path:
    """Where development keys go by default: outside any source tree."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "keys"


@click.group()
@click.version_option(package_name="edge-field-assistant")
@click.option(
    "--database-url", help="SQLAlchemy URL (default: EDGE_GOVERNANCE_DATABASE_URL)."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The service's data folder (default: EDGE_GOVERNANCE_DATA_DIR).",
)
@click.option("--as", "actor", help="Who is acting, for the records (default: you).")
@click.pass_context
def governance(
    ctx: click.Context,
    database_url: str | None,
    data_dir: Path | None,
    actor: str | None,
) -> None:
    """Central governance tools for the field assistant fleet."""
    ctx.obj = CliState(database_url, data_dir, actor or default_actor())


@governance.group()
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


@governance.group("policy")
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
    issued_at = _moment(issued, "--issued") if issued else datetime.now(UTC)
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


policy_group.add_command(cli_review.publish_policy)
governance.add_command(cli_fleet.serve)
governance.add_command(cli_fleet.device_group)
governance.add_command(cli_fleet.jobs_group)
governance.add_command(cli_fleet.kill_switch)
governance.add_command(cli_fleet.deliveries_group)
governance.add_command(cli_review.review_group)
governance.add_command(cli_review.kb_group)
governance.add_command(cli_review.report)


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``edge-governance`` and return its exit code."""
    try:
        governance.main(args=argv, prog_name=APP_NAME, standalone_mode=False)
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        return FAILURE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except ConfigInvalid as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return USAGE
    except (PolicyError, ServerError) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return FAILURE
    except Exception as exc:
        logger.exception("unexpected failure")
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILURE
    return OK


if __name__ == "__main__":
    sys.exit(main())
