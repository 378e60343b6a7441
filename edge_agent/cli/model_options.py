"""The ``--model PATH`` and ``--no-model`` options of the commands that answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def model_options(command: F) -> F:
    """Add ``--model`` (``model_path``) and ``--no-model`` (``no_model``)."""
    command = click.option("--no-model", is_flag=True, help="Answer from the KB only.")(
        command
    )
    return click.option(
        "--model",
        "model_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A GGUF model file (default: the configured or bundled model).",
    )(command)
