"""Enrolling the device with the centre and keeping its credentials.

Enrolment also gives the device the centre's key set, bound to the token: it
becomes the device's trust root (``<home>/centre-keys.json``), and from then
on only the centre's keys sign what the device accepts.

``<home>/credentials.json`` holds the device id the centre knows, the signing
secret and the centre's address, readable by the device's user only (0600).
Enrolled over ``https://``, it also holds the fingerprint of the centre's TLS
certificate (SHA-256 of its DER form): the one given with ``--pin``, or else
the one met at enrolment, verified by the certificate authorities. Every
later connection insists on it (:mod:`edge_agent.depot.centre_connection`).
``<home>/device.json`` keeps the id the outbox hashes into its chain; the two
must name the same device. Enrolment therefore sends the local id for the
centre to keep. Should a centre give another id anyway, the device adopts it
only while its outbox holds no action (the empty outbox is moved aside); with
actions queued it keeps its id and says so, because re-keying would break the
chain the centre checks.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from pydantic import SecretStr

from edge_agent.clock import Clock
from edge_agent.config import EdgeSettings
from edge_agent.depot.centre_connection import centre_address, given_pin
from edge_agent.device import device_id, outbox_record, outbox_resets
from edge_agent.device_outbox import device_outbox
from edge_agent.errors import ConfigError, EdgeAgentError, IdentityMismatch
from edge_agent.files import write_json_atomic
from edge_agent.home import HomeLayout
from edge_agent.policy_store import device_trust
from policies import PolicyError
from sync import CentreNotTrusted, CentreTLS, enroll, normalized_fingerprint


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the device needs to sign its requests to the centre.

    Attributes:
        device_id: The device's id at the centre.
        secret: The signing secret; never logged or shown.
        server_url: The centre's address used at enrolment.
        technician_id: Who enrolled the device.
        enrolled_at: When, ISO 8601 in UTC.
        centre_certificate: The SHA-256 fingerprint of the centre's TLS
            certificate pinned at enrolment; ``None`` over http, or for a
            device enrolled before pins were kept.
    """

    device_id: str
    secret: SecretStr
    server_url: str
    technician_id: str
    enrolled_at: str
    centre_certificate: str | None = None


def credentials_path(home: Path) -> Path:
    return HomeLayout(home).credentials_file


def read_credentials(home: Path) -> Credentials | None:
    """The stored credentials, or ``None`` when the device was never enrolled.

    Raises:
        ConfigError: the file exists but is damaged.
    """
    path = credentials_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(
            device_id=_text(data, "device_id"),
            secret=SecretStr(_text(data, "secret")),
            server_url=_text(data, "server_url"),
            technician_id=str(data.get("technician_id", "")),
            enrolled_at=str(data.get("enrolled_at", "")),
            centre_certificate=_pin(data),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{path} is damaged ({exc}); enrol the device again with a new token "
            "from the depot. Queued actions are kept.",
            title="Credentials unreadable",
        ) from exc


def write_credentials(home: Path, credentials: Credentials) -> Path:
    """Store the credentials atomically, readable by this user only (0600).

    Raises:
        ConfigError: the home directory cannot be written.
    """
    path = credentials_path(home)
    data = {
        "device_id": credentials.device_id,
        "secret": credentials.secret.get_secret_value(),
        "server_url": credentials.server_url,
        "technician_id": credentials.technician_id,
        "enrolled_at": credentials.enrolled_at,
    }
    if credentials.centre_certificate is not None:
        data["centre_certificate_sha256"] = credentials.centre_certificate
    try:
        write_json_atomic(path, data)  # a fresh temp file: created 0600
        os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"Cannot store the credentials in {path} ({exc.strerror or exc}).",
            title="Credentials not saved",
        ) from exc
    return path


def enroll_device(
    settings: EdgeSettings,
    http: httpx.Client,
    *,
    token: str,
    device_name: str,
    clock: Clock,
    tls: CentreTLS | None = None,
) -> Credentials:
    """Enrol with a single-use token, keeping the outbox's device id.

    Args:
        settings: The app's settings (home, technician).
        http: A client whose ``base_url`` is the centre's address.
        token: The single-use token from the depot.
        device_name: A name people recognise the device by.
        clock: The current time (aware).
        tls: The TLS settings ``http`` uses, if https: the certificate they
            saw is pinned in the credentials.

    Raises:
        SyncError: the centre cannot be reached or refused the token.
        IdentityMismatch: the centre gave another id while actions are queued
            under the local one; the credentials are stored all the same.
        ConfigError: the home directory cannot be read or written.
    """
    local = device_id(settings.home)
    queued = _actions_in_outbox(settings)
    reply = enroll(
        http,
        token=token,
        device_name=device_name,
        technician_id=settings.technician_id,
        device_id=local,
        clock=clock,
    )
    credentials = Credentials(
        device_id=reply.device_id,
        secret=SecretStr(reply.secret),
        server_url=str(http.base_url),
        technician_id=settings.technician_id,
        enrolled_at=clock().isoformat(timespec="seconds"),
        centre_certificate=None if tls is None else tls.seen,
    )
    try:
        device_trust(settings).adopt(reply.key_set)
    except PolicyError as exc:
        raise ConfigError(exc.message, title=exc.title) from exc
    write_credentials(settings.home, credentials)
    if reply.device_id != local:
        _adopt(settings, local, reply.device_id, queued)
    return credentials


def enroll_at(
    settings: EdgeSettings,
    server: str,
    *,
    token: str,
    device_name: str,
    pin: str | None,
    clock: Clock,
    transport: httpx.BaseTransport | None = None,
) -> Credentials:
    """Enrol with the centre at ``server``: the address checked first, the
    centre's certificate pinned (``pin``, or the one met over https).

    Args:
        settings: The app's settings.
        server: The centre's address.
        token: The single-use token from the depot.
        device_name: A name people recognise the device by.
        pin: The fingerprint the depot shows for its certificate (https).
        clock: The current time (aware).
        transport: Carries the requests instead of httpx's own (tests).

    Raises:
        EdgeAgentError: the address is refused (see
            :func:`~edge_agent.depot.centre_connection.centre_address`) or the
            centre's certificate is not the one ``pin`` names.
        ConfigError: a pin for an http:// address; the home is unusable.
        SyncError: the centre cannot be reached, is not trusted, or refused.
    """
    address = centre_address(
        server,
        pin=given_pin(server, pin),
        allow_insecure_http=settings.allow_insecure_http,
    )
    try:
        with address.client(transport) as http:
            return enroll_device(
                settings,
                http,
                token=token,
                device_name=device_name,
                clock=clock,
                tls=address.tls,
            )
    except CentreNotTrusted as exc:
        if exc.expected is None:
            raise
        raise EdgeAgentError(
            f"The centre at {server} presented a TLS certificate with SHA-256 "
            f"fingerprint {exc.found}, not the {exc.expected} given with --pin. "
            "Nothing was sent and the token is still unused. Check the "
            "fingerprint with the supervisor (edge-governance serve prints it); "
            "if it is right, this network is not reaching the real centre.",
            title="Centre not trusted",
        ) from exc


def keep_pin(home: Path, credentials: Credentials, tls: CentreTLS | None) -> None:
    """Pin the certificate a sync met, when a new pin was given for it.

    Called once the centre's signed reply arrived over ``tls``; a pin given
    for the sync then becomes the one stored. Nothing changes otherwise.
    """
    if tls is None or tls.pin is None or tls.pin == credentials.centre_certificate:
        return
    write_credentials(home, replace(credentials, centre_certificate=tls.pin))


def _adopt(settings: EdgeSettings, local: str, given: str, queued: int) -> None:
    """Take the centre's id, if no queued action is hashed under the local one."""
    if queued:
        raise IdentityMismatch(
            f"The centre enrolled this device as {given}, but its {queued} "
            f"recorded action(s) belong to {local}. Nothing was changed on the "
            f"device: ask the depot to enrol it again keeping the id {local}.",
            title="Device id differs",
        )
    _move_aside(settings.layout.outbox_db, local)
    resets = outbox_resets(settings.home)
    write_json_atomic(
        settings.layout.device_file,
        {
            "device_id": given,
            "previous_device_id": local,
            **({"outbox_resets": resets} if resets else {}),
        },
    )


def _actions_in_outbox(settings: EdgeSettings) -> int:
    """How many actions the outbox holds (0 when there is no outbox yet).

    Raises:
        OutboxLost: the device had an outbox, and it is missing or damaged:
            enrolling now could give the device a new id over lost actions.
    """
    if outbox_record(settings.home) is None and not settings.layout.outbox_db.exists():
        return 0
    with device_outbox(settings) as outbox:
        return sum(outbox.count_by_state().values())


def _move_aside(path: Path, local: str) -> None:
    """Rename an empty outbox (and its WAL files) so a new one starts."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{path}.{local}{suffix}"))


def _pin(data: dict[str, object]) -> str | None:
    value = data.get("centre_certificate_sha256")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("centre_certificate_sha256 is not text")
    return normalized_fingerprint(value)


def _text(data: object, field: str) -> str:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"no {field}")
    return value
