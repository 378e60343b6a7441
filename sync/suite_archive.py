"""The archive an evaluation suite travels in: a gzipped tar of
``suite.json`` and the files it names, by paths relative to the suite's
folder. The centre packs it when a suite is published; a device (and the
centre's export) unpacks it.

Packing is deterministic (entries in path order, no times, owners or
modes of the machine), so the same files always make the same bytes.
Unpacking takes only regular files at safe relative paths, within
:data:`~sync.protocol.MAX_SUITE_BYTES`; anything else is refused.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sync.protocol import MAX_SUITE_BYTES


class SuiteArchiveInvalid(ValueError):
    """The bytes are not a suite archive this side accepts (the message says
    why)."""


def pack_suite(files: Mapping[str, bytes]) -> bytes:
    """The archive of ``files`` (relative path to bytes)."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(
            fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT
        ) as archive,
    ):
        for name in sorted(files, key=lambda n: PurePosixPath(n).parts):
            info = tarfile.TarInfo(safe_name(name))
            info.size = len(files[name])
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def read_suite_archive(archive: bytes) -> dict[str, bytes]:
    """The files of ``archive``, by relative path.

    Raises:
        SuiteArchiveInvalid: not a gzipped tar, an entry other than a regular
            file, a path that leaves the folder, or more than the size limit.
    """
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as opened:
            for member in opened:
                if not member.isfile():
                    raise SuiteArchiveInvalid(
                        f"the archive holds {member.name!r}, which is not a file"
                    )
                total += member.size
                if total > MAX_SUITE_BYTES:
                    raise SuiteArchiveInvalid(
                        f"the archive holds more than {MAX_SUITE_BYTES} bytes"
                    )
                content = opened.extractfile(member)
                assert content is not None  # a regular file always has content
                files[safe_name(member.name)] = content.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SuiteArchiveInvalid(f"the archive cannot be read ({exc})") from exc
    return files


def write_suite_files(files: Mapping[str, bytes], folder: Path) -> None:
    """Write ``files`` under ``folder`` (which the caller made, empty)."""
    for name, content in files.items():
        target = folder.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def safe_name(name: str) -> str:
    """``name`` as a relative path inside the suite's folder.

    Raises:
        SuiteArchiveInvalid: an absolute path, ``..``, a backslash or empty.
    """
    path = PurePosixPath(name)
    if (
        not name
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in name
        or not path.parts
    ):
        raise SuiteArchiveInvalid(f"{name!r} is not a path inside the suite's folder")
    return path.as_posix()
