"""Which model file the device may run: the release decides.

Once the device holds a release manifest from the depot, a model file is
loaded only when its SHA-256 is in the manifest, or when it is the app's
default model; any other file is not loaded, and answers come from the
knowledge base alone, with a message naming the file, its hash and what to
do. A device that holds no manifest yet (a fresh demo home) loads what it is
given. Each file is hashed once per path, size and modification time.
"""

from __future__ import annotations

from pathlib import Path

from edge_agent.config import EdgeSettings
from edge_agent.depot.release import ReleaseFile
from edge_agent.errors import EdgeAgentError, ModelNotReleased, ModelUnavailable
from edge_agent.llm import (
    ModelCheck,
    ModelHashes,
    ModelIdentity,
    ModelLoader,
    default_model_path,
)
from edge_agent.policy_store import device_trust
from policies import PolicyError

HINT = "Set model_path (or --model) to a GGUF file, or unset it for the default."


def model_loader(settings: EdgeSettings, path: Path | None = None) -> ModelLoader:
    """The loader of ``path`` (or the configured model, or the default one),
    checked against the release the device holds before it loads."""
    return ModelLoader(path or settings.model_path, check=release_check(settings))


def release_check(settings: EdgeSettings) -> ModelCheck:
    """The check a loader runs first: the file's identity, or a refusal."""
    hashes = ModelHashes(settings.layout.model_hashes_file)
    release = ReleaseFile(settings.layout.release_file)

    def check(path: Path) -> ModelIdentity:
        try:
            identity = hashes.identity(path)
        except FileNotFoundError:
            raise ModelUnavailable(
                f"Model file {path} does not exist. {HINT}"
            ) from None
        except OSError as exc:
            raise ModelUnavailable(
                f"Model file {path} cannot be read ({exc.strerror or exc}). {HINT}"
            ) from exc
        if _is_default(path):
            return identity
        try:
            manifest = release.read(device_trust(settings).accepted())
        except (EdgeAgentError, PolicyError) as exc:
            raise _refused(identity, f"{exc.message} Until then") from exc
        if manifest is None or manifest.allows(identity.sha256):
            return identity
        raise _refused(
            identity,
            f"It is not in release {manifest.name} from the depot: ask the depot "
            "to add it to a release, or run the default model (no --model, no "
            "model_path). Until then",
        )

    return check


def model_identity(settings: EdgeSettings) -> ModelIdentity | None:
    """The configured (or default) model file's name and hash, for the
    centre; ``None`` when there is no readable model file."""
    try:
        path = settings.model_path or default_model_path()
        return ModelHashes(settings.layout.model_hashes_file).identity(path)
    except (ModelUnavailable, OSError):
        return None


def _is_default(path: Path) -> bool:
    try:
        return path.resolve() == default_model_path().resolve()
    except (ModelUnavailable, OSError):
        return False


def _refused(identity: ModelIdentity, why: str) -> ModelNotReleased:
    return ModelNotReleased(
        f"The model file {identity.name} (SHA-256 {identity.sha256}) is not "
        f"loaded. {why} answers use knowledge-base lookups only.",
        file_name=identity.name,
        sha256=identity.sha256,
    )
