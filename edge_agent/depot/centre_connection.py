"""How the device connects to the centre: which addresses it accepts, and the
TLS it speaks there.

- ``https://``: the centre's certificate is checked at every connection. With
  a pin (given at enrolment with ``--pin``, or recorded then), only the pinned
  certificate is accepted, a self-signed one included; without one, the
  certificate must verify against the usual certificate authorities.
- ``http://``: only to this computer (``localhost``, 127.0.0.0/8, ``::1``),
  unless ``allow_insecure_http`` is set for a lab. Replies are signed either
  way, but plain HTTP shows everything sent to whoever is on the network.

Each address is checked before any connection is made, at enrolment and at
every sync, so an address stored before these rules still meets them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from edge_agent.errors import ConfigError, EdgeAgentError
from sync import CentreTLS, centre_tls

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True, slots=True)
class CentreAddress:
    """A centre address the device accepted, with the TLS to use there.

    Attributes:
        url: The address (``http://`` or ``https://``).
        tls: The TLS settings for ``https://``; they keep the fingerprint of
            the certificate seen (:attr:`CentreTLS.seen`). ``None`` for http.
    """

    url: str
    tls: CentreTLS | None

    def client(self, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        """An HTTP client for this address (over ``transport``, if given)."""
        verify = True if self.tls is None else self.tls
        return httpx.Client(
            base_url=self.url, timeout=TIMEOUT, verify=verify, transport=transport
        )


def is_http_address(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def given_pin(url: str, pin: str | None) -> str | None:
    """A pin given on the command line, once it is known to fit ``url``.

    Raises:
        ConfigError: a pin for an address that is not https://.
    """
    if pin is not None and not url.startswith("https://"):
        raise ConfigError(
            f"--pin needs the centre's https:// address, not {url}: plain "
            "HTTP has no certificate to pin.",
            title="Pin without https",
        )
    return pin


def centre_address(
    url: str, *, pin: str | None, allow_insecure_http: bool
) -> CentreAddress:
    """Check ``url`` and prepare the TLS for it; nothing is sent.

    Args:
        url: The centre's address.
        pin: The centre's certificate fingerprint to insist on over https
            (plain http has no certificate).
        allow_insecure_http: Accept ``http://`` to other computers.

    Raises:
        EdgeAgentError: not an http(s) address, or ``http://`` to another
            computer without ``allow_insecure_http``.
    """
    if not is_http_address(url):
        raise EdgeAgentError(
            f"{url!r} is not an http:// or https:// address; fix server_url in "
            "the settings or pass --server.",
            title="Bad server address",
        )
    parts = urlsplit(url)
    if parts.scheme == "https":
        return CentreAddress(url, centre_tls(pin))
    if not allow_insecure_http and not is_loopback(parts.hostname or ""):
        raise EdgeAgentError(
            f"Refusing plain http:// to {parts.hostname or url}: anyone on the "
            "network between this device and the centre could read what it "
            "sends. Use the centre's https:// address (edge-governance serve "
            "--tls-cert/--tls-key). For a lab network only, set "
            "allow_insecure_http = true in config.toml (or "
            "EDGE_AGENT_ALLOW_INSECURE_HTTP=1). Nothing was sent; queued actions "
            "stay on this device.",
            title="Plain HTTP refused",
        )
    return CentreAddress(url, None)
