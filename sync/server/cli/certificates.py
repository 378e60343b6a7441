"""``edge-governance tls``: the centre's TLS certificate.

edge-governance tls generate --host NAME [--host NAME ...] [--days N] --out DIR
edge-governance tls show --tls-cert FILE --tls-key FILE

``serve --tls-cert FILE --tls-key FILE`` serves HTTPS with the pair; devices
pin the certificate's fingerprint at enrolment (``edge-agent enroll --pin``).
"""

from __future__ import annotations

from pathlib import Path

import click

from sync.server.cli.context import state
from sync.server.clock import utc_now
from sync.server.errors import ConfigInvalid
from sync.server.settings import ServerSettings
from sync.server.tls import ServedCertificate, generate_certificate, served_certificate


@click.group("tls")
def tls_group() -> None:
    """The centre's TLS certificate, which devices pin at enrolment."""


@tls_group.command("generate")
@click.option(
    "--host",
    "hosts",
    multiple=True,
    required=True,
    help="A host name or IP address devices reach the centre at (repeatable).",
)
@click.option(
    "--days", type=int, default=825, show_default=True, help="Days it is valid."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for centre-cert.pem and centre-key.pem (the key 0600).",
)
def generate(hosts: tuple[str, ...], days: int, out: Path) -> None:
    """Make a self-signed certificate and key, for a depot without its own CA."""
    served = generate_certificate(hosts, days=days, out_dir=out, now=utc_now())
    click.echo(served.fingerprint)
    click.echo(
        f"Wrote {served.cert_file} and {served.key_file} (readable by you only), "
        f"valid until {served.not_after:%Y-%m-%d} for {', '.join(served.hosts)}.\n"
        f"Serve with: edge-governance serve --tls-cert {served.cert_file} "
        f"--tls-key {served.key_file}\n"
        "Devices enrol with: edge-agent enroll --server https://HOST:PORT "
        f"--token TOKEN --pin {served.fingerprint}",
        err=True,
    )


@tls_group.command("show")
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def show(ctx: click.Context, tls_cert: Path | None, tls_key: Path | None) -> None:
    """Print the fingerprint of the certificate serve would serve."""
    served = tls_pair(state(ctx).settings(tls_cert=tls_cert, tls_key=tls_key))
    if served is None:
        raise ConfigInvalid(
            "No certificate is configured: give --tls-cert and --tls-key (or "
            "EDGE_GOVERNANCE_TLS_CERT and EDGE_GOVERNANCE_TLS_KEY)."
        )
    click.echo(served.fingerprint)
    click.echo(describe(served), err=True)


def tls_pair(settings: ServerSettings) -> ServedCertificate | None:
    """The checked certificate and key to serve, or ``None`` for plain HTTP.

    Raises:
        ConfigInvalid: only one of the two is given, or the pair is unusable.
    """
    if settings.tls_cert is None and settings.tls_key is None:
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        missing = "--tls-key" if settings.tls_key is None else "--tls-cert"
        raise ConfigInvalid(
            f"HTTPS needs both a certificate and its key: {missing} (or its "
            "EDGE_GOVERNANCE_TLS_* variable) is missing."
        )
    return served_certificate(settings.tls_cert, settings.tls_key)


def describe(served: ServedCertificate) -> str:
    """What devices pin: the fingerprint, with the names and the expiry."""
    hosts = ", ".join(served.hosts) or "no names"
    expiry = f"{served.not_after:%Y-%m-%d}"
    if served.not_after <= utc_now():
        expiry += " (EXPIRED: devices without a pin refuse it)"
    return (
        f"TLS certificate SHA-256 {served.fingerprint} (for {hosts}; valid until "
        f"{expiry}). Devices enrol with --pin {served.fingerprint}."
    )
