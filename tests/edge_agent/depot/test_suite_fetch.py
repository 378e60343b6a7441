"""Unpacking a suite from the centre into the home: checked against its
hashes, whole or not at all, the previous suites untouched by any failure,
and what an interrupted unpacking left never taken for a suite."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent.depot.suite_fetch import install_suite, last_fetched
from edge_agent.errors import EdgeAgentError
from edge_agent.evaluation import demo_suite_path, load_suite
from sync.content_hashes import suite_content_sha256
from sync.evaluation_protocol import SuiteDownload
from sync.suite_archive import pack_suite

FETCHED_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def demo_files() -> dict[str, bytes]:
    folder = demo_suite_path()
    suite = load_suite(folder)
    named = {p.relative_to(folder).as_posix(): p.read_bytes() for p in suite.files}
    return {"suite.json": (folder / "suite.json").read_bytes(), **named}


def download(
    version: int, files: dict[str, bytes], *, archive: bytes | None = None
) -> SuiteDownload:
    """What the centre sends for ``files`` (or for other archive bytes)."""
    packed = pack_suite(files)
    others = {name: data for name, data in files.items() if name != "suite.json"}
    return SuiteDownload(
        version=version,
        name="Demo fleet",
        suite_version=2,
        sha256=suite_content_sha256(files["suite.json"], others),
        archive_sha256=hashlib.sha256(archive or packed).hexdigest(),
        published_at="2026-03-01T12:00:00+00:00",
        archive=base64.b64encode(archive or packed).decode(),
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The home's evaluation/suites folder, with v1 of the demo suite in it."""
    folder = tmp_path / "evaluation" / "suites"
    install_suite(folder, download(1, demo_files()), fetched_at=FETCHED_AT)
    return folder


def test_a_fetched_suite_loads_as_the_suite_the_centre_published(root: Path) -> None:
    kept = last_fetched(root)

    assert kept is not None and kept.version == 1
    assert kept.folder == root / "1"
    assert kept.fetched_at == "2026-03-02T07:00:00+00:00"
    assert load_suite(kept.folder).sha256 == kept.sha256
    assert kept.sha256 == load_suite(demo_suite_path()).sha256


def test_an_archive_damaged_on_the_way_unpacks_nothing(root: Path) -> None:
    good = download(2, demo_files())
    damaged = good.model_copy(update={"archive_sha256": "0" * 64})

    with pytest.raises(EdgeAgentError, match="does not match its SHA-256"):
        install_suite(root, damaged, fetched_at=FETCHED_AT)

    assert sorted(p.name for p in root.iterdir()) == ["1"]
    assert last_fetched(root).version == 1  # type: ignore[union-attr]


def test_content_other_than_its_hash_names_unpacks_nothing(root: Path) -> None:
    files = demo_files()
    other = download(2, {**files, "jobs.json": b"[]"})
    swapped = download(2, files).model_copy(update={"sha256": other.sha256})

    with pytest.raises(EdgeAgentError, match="does not hold the content"):
        install_suite(root, swapped, fetched_at=FETCHED_AT)

    assert sorted(p.name for p in root.iterdir()) == ["1"]


def test_a_failure_midway_through_unpacking_leaves_the_previous_suite_usable(
    root: Path,
) -> None:
    # "photos" as a file, then a file under photos/: the second write fails
    # after the first one was made.
    files = {**demo_files(), "photos": b"not a folder"}

    with pytest.raises(EdgeAgentError, match="nothing was left half-written"):
        install_suite(root, download(2, files), fetched_at=FETCHED_AT)

    assert sorted(p.name for p in root.iterdir()) == ["1"]
    kept = last_fetched(root)
    assert kept is not None and kept.version == 1
    assert load_suite(kept.folder).sha256 == kept.sha256


def test_what_a_killed_unpacking_left_is_never_a_suite_and_is_cleared_next_time(
    root: Path,
) -> None:
    left = root / ".incoming-killed"
    (left / "photos").mkdir(parents=True)
    (left / "suite.json").write_bytes(demo_files()["suite.json"][:100])
    (root / "3").mkdir()  # a folder without its record is not a suite either

    assert last_fetched(root).version == 1  # type: ignore[union-attr]
    assert last_fetched(root, 3) is None
    install_suite(root, download(2, demo_files()), fetched_at=FETCHED_AT)

    assert not left.exists()
    assert last_fetched(root).version == 2  # type: ignore[union-attr]
    assert last_fetched(root, 1).version == 1  # type: ignore[union-attr]
