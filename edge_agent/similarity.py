"""Similarity of meaning, offline: WordLlama's small static embeddings.

The only module that imports ``wordllama``. Its weights (256 dimensions,
16 MB) and tokenizer ship inside the package: they are loaded from there,
with downloads switched off, the first time a question is ranked, and kept
for the process. Embedding a question and twenty candidates takes about a
millisecond on 2 cores.

Without the package, or with its files damaged, ranking goes on without it:
:func:`meaning_similarity` logs why once and returns zeros.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_MODEL: list[Any] = []
"""The loaded model, once loaded; ``[None]`` once loading has failed."""


def meaning_similarity(question: str, texts: Sequence[str]) -> list[float]:
    """Cosine similarity of meaning between ``question`` and each text."""
    model = _model()
    if model is None or not texts:
        return [0.0] * len(texts)
    vectors = model.embed([question, *texts], norm=True)
    return [float(value) for value in vectors[1:] @ vectors[0]]


def warm_up() -> None:
    """Load the model now (the app does so in the background at start)."""
    _model()


def _model() -> Any:
    with _LOCK:
        if not _MODEL:
            _MODEL.append(_load())
        return _MODEL[0]


def _load() -> Any:
    try:
        import wordllama
        from wordllama import WordLlama

        # The package holds its files; pointing the cache there (and never
        # downloading) finds both the weights and the tokenizer offline.
        return WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )
    except (ImportError, OSError, ValueError, RuntimeError) as exc:
        logger.warning(
            "similarity of meaning unavailable (%s); ranking by words only. "
            "Reinstall with ./scripts/setup.sh.",
            exc,
        )
        return None
