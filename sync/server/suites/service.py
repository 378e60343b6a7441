"""Publishing evaluation suites, listing them, exporting one, and handing
one to a device.

A suite is stored as one archive (:mod:`sync.suite_archive`) of
``suite.json`` and the files it names, with the archive's SHA-256 and the
content's (as reports name a suite), under a version that only goes up.
Publishing a suite identical to the newest is refused; each publication is
written to the audit log with who made it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sync.evaluation_protocol import SuiteDownload
from sync.server.errors import PublishRefused, RecordNotFound, SuiteRefused
from sync.server.records import Clock
from sync.server.storage import Storage
from sync.server.storage.audit import record_event
from sync.server.storage.suites import (
    PublishedSuite,
    add_suite,
    find_suite,
    suite_archive,
    suites,
)
from sync.server.suites.checking import check_suite
from sync.suite_archive import (
    SuiteArchiveInvalid,
    pack_suite,
    read_suite_archive,
    write_suite_files,
)

SHORT = 12


@dataclass(frozen=True, slots=True)
class Publication:
    """A suite just published, and the folder's files it left out."""

    suite: PublishedSuite
    left_out: tuple[str, ...]


class Suites:
    """The evaluation suites of the centre.

    Args:
        storage: The service's storage.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, *, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def publish(self, path: Path, *, note: str, actor: str) -> Publication:
        """Check the suite at ``path`` and store it under a new version.

        Raises:
            SuiteRefused: it fails a check, or is the newest suite again.
        """
        checked = check_suite(path)
        archive = pack_suite(checked.archived)
        archive_sha256 = hashlib.sha256(archive).hexdigest()
        now = self._clock()
        with self._storage.write() as connection:
            newest = find_suite(connection, None)
            if newest is not None and newest.sha256 == checked.sha256:
                raise SuiteRefused(
                    f"The suite in {path} is the newest published one already: "
                    f"v{newest.version} (sha256 {newest.sha256[:SHORT]}, published "
                    f"by {newest.published_by}). Nothing was published; change a "
                    "case or a file first."
                )
            version = add_suite(
                connection,
                name=checked.name,
                suite_version=checked.suite_version,
                sha256=checked.sha256,
                archive=archive,
                archive_sha256=archive_sha256,
                cases=checked.cases,
                note=note,
                at=now,
                actor=actor,
            )
            record_event(
                connection,
                at=now,
                actor=actor,
                event="evaluation_suite_published",
                detail={
                    "version": version,
                    "name": checked.name,
                    "suite_version": checked.suite_version,
                    "sha256": checked.sha256,
                    "archive_sha256": archive_sha256,
                    "cases": dict(checked.cases),
                    "note": note,
                },
            )
            published = find_suite(connection, version)
        assert published is not None  # written in this very transaction
        return Publication(published, checked.left_out)

    def listing(self) -> list[PublishedSuite]:
        """Every published suite, newest first."""
        with self._storage.read() as connection:
            return suites(connection)

    def find(self, version: int | None) -> PublishedSuite:
        """The suite of ``version`` (``None``: the newest).

        Raises:
            RecordNotFound: none is published, or not that version.
        """
        with self._storage.read() as connection:
            found = find_suite(connection, version)
        if found is None:
            raise _not_found(version)
        return found

    def export(self, version: int | None, out: Path) -> PublishedSuite:
        """Write the files of a published suite into ``out`` (new or empty),
        whole or not at all.

        Raises:
            RecordNotFound: no such suite.
            PublishRefused: ``out`` holds files already, or cannot be written.
        """
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise PublishRefused(
                f"{out} exists and is not an empty folder; nothing was written. "
                "Give a new folder."
            )
        suite, files = self._files(version)
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
        try:
            write_suite_files(files, temporary)
            if out.exists():
                out.rmdir()
            os.replace(temporary, out)
        except OSError as exc:
            raise PublishRefused(
                f"{out} cannot be written ({exc.strerror or exc}); nothing was left "
                "there."
            ) from exc
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return suite

    def download(self, version: int | None) -> SuiteDownload:
        """A published suite for a device.

        Raises:
            RecordNotFound: no such suite.
        """
        with self._storage.read() as connection:
            suite = find_suite(connection, version)
            archive = suite_archive(connection, suite.version) if suite else None
        if suite is None or archive is None:
            raise _not_found(version)
        return SuiteDownload(
            version=suite.version,
            name=suite.name,
            suite_version=suite.suite_version,
            sha256=suite.sha256,
            archive_sha256=suite.archive_sha256,
            published_at=suite.published_at.isoformat(timespec="seconds"),
            note=suite.note,
            archive=base64.b64encode(archive).decode("ascii"),
        )

    def _files(self, version: int | None) -> tuple[PublishedSuite, dict[str, bytes]]:
        with self._storage.read() as connection:
            suite = find_suite(connection, version)
            archive = suite_archive(connection, suite.version) if suite else None
        if suite is None or archive is None:
            raise _not_found(version)
        if hashlib.sha256(archive).hexdigest() != suite.archive_sha256:
            raise PublishRefused(
                f"The stored archive of suite v{suite.version} does not match its "
                "SHA-256: the database is damaged. Restore it from a backup."
            )
        try:
            return suite, read_suite_archive(archive)
        except SuiteArchiveInvalid as exc:
            raise PublishRefused(
                f"The stored archive of suite v{suite.version} cannot be read: {exc}."
            ) from exc


def _not_found(version: int | None) -> RecordNotFound:
    if version is None:
        return RecordNotFound(
            "No evaluation suite is published yet: publish one with "
            "edge-governance suite publish DIR."
        )
    return RecordNotFound(
        f"No evaluation suite v{version} is published (edge-governance suite list "
        "shows those that are)."
    )
