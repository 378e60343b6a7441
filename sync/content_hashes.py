"""The SHA-256 sums that name content whatever its version: a knowledge
base's, an evaluation suite's, a signed bundle's policy.

The centre and the device each compute them from what they hold, so a
release, an evaluation report and a published suite name the same content
alike.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from policies.encoding import canonical_json


def kb_content_sha256(documents: Iterable[tuple[str, str]]) -> str:
    """The SHA-256 that names a KB's content, whatever its version.

    Over every document's id and the SHA-256 (hex) of its bytes, in id order
    (``id NUL sha256 LF`` each); the KB's own description (``kb.toml``,
    ``glossary.toml``) counts as documents. The centre computes it from a
    snapshot's files (:func:`kb_files_sha256`), a device from its knowledge
    base's manifest, so a release and an evaluation report name a KB alike.
    """
    digest = hashlib.sha256()
    for document_id, sha256 in sorted(documents):
        digest.update(f"{document_id}\0{sha256}\n".encode())
    return digest.hexdigest()


def kb_files_sha256(files: Mapping[str, str]) -> str:
    """:func:`kb_content_sha256` of a snapshot's files (id to base64 bytes)."""
    return kb_content_sha256(
        (name, hashlib.sha256(base64.b64decode(data)).hexdigest())
        for name, data in files.items()
    )


def suite_content_sha256(suite_json: bytes, files: Mapping[str, bytes]) -> str:
    """The SHA-256 that names an evaluation suite's content: ``suite.json``'s
    bytes, then for each file it names (its path relative to the suite's
    folder, ``/`` between folders, in path order) ``NUL path NUL bytes``.

    A device computes it when it loads a suite, the centre when a suite is
    published, so a report and a published suite name a suite alike.
    """
    digest = hashlib.sha256(suite_json)
    for name in sorted(files, key=lambda n: PurePosixPath(n).parts):
        digest.update(b"\0" + PurePosixPath(name).as_posix().encode())
        digest.update(b"\0" + files[name])
    return digest.hexdigest()


def policy_content_sha256(bundle: str | bytes) -> str:
    """The SHA-256 that names a signed bundle's policy, whatever its version,
    expiry or signature: canonical JSON of its ``files`` (name to text).

    Raises:
        ValueError: the text is not a bundle (no ``files`` object).
    """
    document = json.loads(bundle)
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        raise ValueError("not a policy bundle: it has no files")
    return hashlib.sha256(canonical_json(files)).hexdigest()
