"""The evaluation suite from the centre: fetched, checked and unpacked into
the home, or, offline, the last one fetched.

A suite arrives in a signed reply (:meth:`sync.SyncClient.fetch_suite`) as
one archive with its SHA-256; the device checks the archive's hash and the
content's (as its reports will name the suite), then unpacks it into a
hidden folder beside ``evaluation/suites/<version>/`` and renames it into
place with ``fetched.json`` inside, so a folder of that name is always
complete: a killed download leaves only a hidden folder, cleared at the next
fetch, and the previous suites stay as they were.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from edge_agent.clock import utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.centre_connection import centre_address
from edge_agent.depot.enrolment import read_credentials
from edge_agent.errors import EdgeAgentError
from sync import (
    SuiteArchiveInvalid,
    SuiteDownload,
    SyncClient,
    SyncError,
    SyncUnavailable,
    read_suite_archive,
    suite_content_sha256,
    write_suite_files,
)

FETCHED_FILE = "fetched.json"
"""Inside each suite's folder: what the centre said of it, and when it came."""
SUITE_FILE = "suite.json"
INCOMING = ".incoming-"
"""The prefix of a folder being unpacked (never read as a suite)."""


@dataclass(frozen=True, slots=True)
class CentreSuite:
    """A suite from the centre, unpacked in the home.

    Attributes:
        version: The centre's version.
        folder: Its folder (``evaluation/suites/<version>``).
        sha256: Of its content, as reports name it.
        fetched_at: When it came from the centre (ISO 8601).
        offline: Why the centre could not be asked, when this is the last
            suite fetched rather than one fetched now.
    """

    version: int
    folder: Path
    sha256: str
    fetched_at: str
    offline: str = ""

    def summary(self) -> str:
        """What runs, in a line."""
        if self.offline:
            return (
                f"suite: the centre cannot be reached ({self.offline}); running "
                f"suite v{self.version}, the last fetched, at {self.fetched_at}"
            )
        return f"suite: v{self.version} from the centre (fetched {self.fetched_at})"


def centre_suite(
    settings: EdgeSettings,
    *,
    version: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> CentreSuite:
    """Fetch the centre's newest suite (or ``version``) into the home; offline,
    the last one fetched (of ``version``, if given).

    Raises:
        EdgeAgentError: not enrolled; the centre refused (no such suite); the
            download does not match its hashes (nothing was unpacked); or
            offline with no suite fetched before.
    """
    root = settings.layout.evaluation_suites
    try:
        download = _download(settings, version, transport)
    except SyncUnavailable as exc:
        kept = last_fetched(root, version)
        if kept is None:
            which = f"suite v{version}" if version else "a suite"
            raise EdgeAgentError(
                f"The centre cannot be reached ({_why(exc)}) and {which} was never "
                "fetched from it, so there is none to run: connect to the depot "
                "network and run again, or give --suite FOLDER.",
                title="No suite to run",
            ) from exc
        return CentreSuite(
            kept.version, kept.folder, kept.sha256, kept.fetched_at, _why(exc)
        )
    except SyncError as exc:
        raise EdgeAgentError(
            f"The centre did not give the evaluation suite: {exc.message}",
            title="Suite not fetched",
        ) from exc
    return install_suite(root, download, fetched_at=utc_now())


def install_suite(
    root: Path, download: SuiteDownload, *, fetched_at: datetime
) -> CentreSuite:
    """Check ``download`` and unpack it as ``root/<version>``, whole or not
    at all (a suite already there of the same content is kept).

    Raises:
        EdgeAgentError: the archive or its content does not match its
            SHA-256, cannot be read, or cannot be written; nothing changed.
    """
    files = _checked_files(download)
    final = root / str(download.version)
    present = _read_fetched(final)
    if present is not None and present.sha256 == download.sha256:
        return present
    root.mkdir(parents=True, exist_ok=True)
    _clear_incoming(root)
    temporary = Path(tempfile.mkdtemp(dir=root, prefix=INCOMING))
    try:
        write_suite_files(files, temporary)
        record = {
            "version": download.version,
            "name": download.name,
            "sha256": download.sha256,
            "archive_sha256": download.archive_sha256,
            "published_at": download.published_at,
            "note": download.note,
            "fetched_at": fetched_at.isoformat(timespec="seconds"),
        }
        (temporary / FETCHED_FILE).write_text(json.dumps(record, indent=2) + "\n")
        if final.exists():
            shutil.rmtree(final)
        os.replace(temporary, final)
    except OSError as exc:
        raise EdgeAgentError(
            f"The evaluation suite v{download.version} cannot be unpacked into "
            f"{root} ({exc.strerror or exc}); nothing was left half-written and "
            "the suites fetched before are unchanged.",
            title="Suite not unpacked",
        ) from exc
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    installed = _read_fetched(final)
    assert installed is not None  # renamed into place just now, whole
    return installed


def last_fetched(root: Path, version: int | None = None) -> CentreSuite | None:
    """The newest complete suite under ``root`` (or that of ``version``)."""
    found = []
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.name.isdigit() and (version is None or int(folder.name) == version):
            suite = _read_fetched(folder)
            if suite is not None:
                found.append(suite)
    return max(found, key=lambda suite: suite.version, default=None)


def _download(
    settings: EdgeSettings, version: int | None, transport: httpx.BaseTransport | None
) -> SuiteDownload:
    credentials = read_credentials(settings.home)
    if credentials is None:
        raise EdgeAgentError(
            "This device is not enrolled with a centre, so it cannot fetch the "
            "centre's suite: enrol it first (edge-agent enroll --server URL "
            "--token TOKEN), or give --suite FOLDER.",
            title="Not enrolled",
        )
    address = centre_address(  # the same checks and pin as a sync
        settings.server_url or credentials.server_url,
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
        return client.fetch_suite(version)


def _checked_files(download: SuiteDownload) -> dict[str, bytes]:
    where = f"The evaluation suite v{download.version} from the centre"
    try:
        archive = base64.b64decode(download.archive, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _unusable(f"{where} is not base64 ({exc})") from exc
    if hashlib.sha256(archive).hexdigest() != download.archive_sha256:
        raise _unusable(f"{where} does not match its SHA-256 (damaged on the way)")
    try:
        files = read_suite_archive(archive)
    except SuiteArchiveInvalid as exc:
        raise _unusable(f"{where} cannot be read: {exc}") from exc
    suite_json = files.pop(SUITE_FILE, None)
    if suite_json is None:
        raise _unusable(f"{where} holds no {SUITE_FILE}")
    if suite_content_sha256(suite_json, files) != download.sha256:
        raise _unusable(f"{where} does not hold the content its SHA-256 names")
    return {SUITE_FILE: suite_json, **files}


def _unusable(problem: str) -> EdgeAgentError:
    return EdgeAgentError(
        f"{problem}; nothing was unpacked and the suites fetched before are "
        "unchanged. Fetch it again; if it happens again, tell the depot.",
        title="Suite not unpacked",
    )


def _read_fetched(folder: Path) -> CentreSuite | None:
    try:
        record = json.loads((folder / FETCHED_FILE).read_text(encoding="utf-8"))
        return CentreSuite(
            int(record["version"]),
            folder,
            str(record["sha256"]),
            str(record["fetched_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _clear_incoming(root: Path) -> None:
    """Remove what an interrupted unpacking left (never a suite in place)."""
    for folder in root.glob(f"{INCOMING}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _why(exc: SyncError) -> str:
    return exc.title or "offline"
