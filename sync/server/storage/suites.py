"""SQL for the evaluation suites published at the centre."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import evaluation_suites
from sync.server.storage.store import dump_json, load_json


@dataclass(frozen=True, slots=True)
class PublishedSuite:
    """A published suite, without its archive's bytes.

    Attributes:
        version: The centre's version (1, 2, ...; never reused).
        name: The suite's name (``suite.json``).
        suite_version: The ``suite_version`` its ``suite.json`` states.
        sha256: Of its content, as reports name a suite
            (:func:`sync.content_hashes.suite_content_sha256`).
        archive_sha256: Of the archive devices download.
        size: The archive's bytes.
        cases: How many cases of each kind.
        note: The supervisor's note.
        published_at: When.
        published_by: Who.
    """

    version: int
    name: str
    suite_version: int
    sha256: str
    archive_sha256: str
    size: int
    cases: Mapping[str, int]
    note: str
    published_at: datetime
    published_by: str


_LISTED = (
    evaluation_suites.c.version,
    evaluation_suites.c.name,
    evaluation_suites.c.suite_version,
    evaluation_suites.c.sha256,
    evaluation_suites.c.archive_sha256,
    sa.func.length(evaluation_suites.c.archive).label("size"),
    evaluation_suites.c.cases,
    evaluation_suites.c.note,
    evaluation_suites.c.published_at,
    evaluation_suites.c.published_by,
)


def add_suite(
    connection: Connection,
    *,
    name: str,
    suite_version: int,
    sha256: str,
    archive: bytes,
    archive_sha256: str,
    cases: Mapping[str, int],
    note: str,
    at: datetime,
    actor: str,
) -> int:
    """Store a suite under the next version, in the caller's transaction;
    that version."""
    newest = connection.scalar(sa.select(sa.func.max(evaluation_suites.c.version)))
    version = int(newest or 0) + 1
    connection.execute(
        evaluation_suites.insert().values(
            version=version,
            name=name,
            suite_version=suite_version,
            sha256=sha256,
            archive_sha256=archive_sha256,
            archive=archive,
            cases=dump_json(dict(cases)),
            note=note,
            published_at=at,
            published_by=actor,
        )
    )
    return version


def suites(connection: Connection) -> list[PublishedSuite]:
    """Every published suite, newest first."""
    query = sa.select(*_LISTED).order_by(evaluation_suites.c.version.desc())
    return [_suite(row) for row in connection.execute(query)]


def find_suite(connection: Connection, version: int | None) -> PublishedSuite | None:
    """The suite of ``version`` (``None``: the newest), if published."""
    query = sa.select(*_LISTED).order_by(evaluation_suites.c.version.desc()).limit(1)
    if version is not None:
        query = query.where(evaluation_suites.c.version == version)
    row = connection.execute(query).first()
    return _suite(row) if row is not None else None


def suites_with_sha256(connection: Connection, sha256: str) -> list[PublishedSuite]:
    """The published suites of this content, newest first."""
    query = (
        sa.select(*_LISTED)
        .where(evaluation_suites.c.sha256 == sha256)
        .order_by(evaluation_suites.c.version.desc())
    )
    return [_suite(row) for row in connection.execute(query)]


def suite_archive(connection: Connection, version: int) -> bytes | None:
    """The archive of ``version``, if published."""
    found = connection.scalar(
        sa.select(evaluation_suites.c.archive).where(
            evaluation_suites.c.version == version
        )
    )
    return bytes(found) if found is not None else None


def _suite(row: Any) -> PublishedSuite:
    return PublishedSuite(
        version=row.version,
        name=row.name,
        suite_version=row.suite_version,
        sha256=row.sha256,
        archive_sha256=row.archive_sha256,
        size=int(row.size or 0),
        cases=load_json(row.cases) or {},
        note=row.note,
        published_at=row.published_at,
        published_by=row.published_by,
    )
