"""Sending an evaluation report to the centre, signed by this device.

The report's exact bytes (``report.json``) go in one request signed with the
device's credentials from enrolment, so the centre knows which device, and
which technician, produced it; it keeps them with their SHA-256. Sending the
same file again is safe: the centre answers with the number it gave it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from edge_agent.clock import utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.centre_connection import centre_address
from edge_agent.depot.enrolment import read_credentials
from edge_agent.errors import EdgeAgentError
from sync import ReportReceipt, SyncClient, SyncError


def upload_report(
    settings: EdgeSettings,
    report: Path,
    *,
    server: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ReportReceipt:
    """Upload ``report`` (a ``report.json``) to the centre this device is
    enrolled with (or ``server``).

    Raises:
        EdgeAgentError: the device is not enrolled, the file cannot be read,
            or the centre did not take it (its reason, and what to do).
    """
    credentials = read_credentials(settings.home)
    if credentials is None:
        raise EdgeAgentError(
            "This device is not enrolled with a centre, so it cannot sign the "
            "report: enrol it first (edge-agent enroll --server URL --token TOKEN).",
            title="Not enrolled",
        )
    try:
        content = report.read_bytes()
    except OSError as exc:
        raise EdgeAgentError(
            f"The report {report} cannot be read ({exc.strerror or exc}).",
            title="Report unreadable",
        ) from exc
    address = centre_address(  # the same checks and pin as a sync
        server or credentials.server_url,
        pin=credentials.centre_certificate,
        allow_insecure_http=settings.allow_insecure_http,
    )
    with address.client(transport) as http:
        client = SyncClient(
            http,
            device_id=credentials.device_id,
            secret=credentials.secret.get_secret_value(),
            clock=utc_now,
            new_nonce=lambda: uuid.uuid4().hex,
        )
        try:
            return client.upload_report(content)
        except SyncError as exc:
            raise EdgeAgentError(
                f"The centre did not take the report: {exc.message} The report "
                f"stays in {report}; send it again with edge-agent upload-report "
                f"{report}.",
                title="Report not uploaded",
            ) from exc
