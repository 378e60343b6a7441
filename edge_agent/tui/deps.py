"""What the terminal app is built from, so tests can substitute at the seams.

The defaults load the configured model in the background, start the
configured OCR engine on first use, probe the centre with a TCP connection
and wait between sync retries with :func:`time.sleep`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edge_agent.answer.similarity import warm_up as warm_up_similarity
from edge_agent.clock import Clock, utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.model_gate import model_loader
from edge_agent.llm import ModelLoader
from edge_agent.tui.ocr_check import ocr_notice
from edge_agent.tui.reachability import centre_reachable

if TYPE_CHECKING:
    from edge_agent.ocr import LoadedEngine

OcrStarter = Callable[[str], "LoadedEngine"]
"""Starts the OCR engine of the given name (``rapidocr`` or ``tesseract``)."""


def start_ocr_engine(name: str) -> LoadedEngine:
    """Start and warm the named engine; imports the OCR stack on first use."""
    from edge_agent.tui.tasks.photos import start_engine

    return start_engine(name)


@dataclass(frozen=True, slots=True)
class AppDeps:
    """The app's seams.

    Attributes:
        model: Loads the local model in the background; ``None`` answers from
            the knowledge base alone.
        start_ocr: Starts an OCR engine by name, in a worker.
        reachable: Whether the centre at a URL can be reached now.
        check_ocr: What is missing to read photos with the named engine.
        sleep: Waits between sync retries.
        clock: The current time (ages in the status bar).
        status_seconds: How often the status bar is read again.
        offline_status_seconds: How often, while an enrolled device cannot
            reach its centre (a probe takes at most a second and a half).
        warm_up_ranking: Loads what ranks search results by meaning, in a
            worker after the first screen, so the first question is not
            slower than the rest.
    """

    model: ModelLoader | None
    start_ocr: OcrStarter = start_ocr_engine
    reachable: Callable[[str], bool] = centre_reachable
    check_ocr: Callable[[str], str | None] = ocr_notice
    sleep: Callable[[float], None] = time.sleep
    clock: Clock = utc_now
    status_seconds: float = 60.0
    offline_status_seconds: float = 5.0
    warm_up_ranking: Callable[[], None] = warm_up_similarity


def default_deps(
    settings: EdgeSettings, *, model_path: Path | None = None, no_model: bool = False
) -> AppDeps:
    """The real seams: the configured (or given) model, unless ``no_model``."""
    model = None if no_model else model_loader(settings, model_path)
    return AppDeps(model=model)
