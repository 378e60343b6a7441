"""Similarity of meaning, offline: WordLlama's small static embeddings.

The only module that imports ``wordllama``. Its weights (256 dimensions,
16 MB) and tokenizer ship inside the package: they are loaded from there,
with downloads switched off, the first time a question is ranked, and kept
for the process. The same chunks come up question after question, so the
vectors of the last :data:`CACHED_TEXTS` texts compared are kept: tokenizing
twenty candidates is most of the cost of a comparison.

The same model gives the knowledge base its chunk vectors
(:class:`WordLlamaEmbedder`, computed at ingest) and a question's vector, so
search finds the chunks nearest a question in meaning too.

Without the package, or with its files damaged, ranking goes on without it:
:func:`meaning_similarity` logs why once and returns zeros, and the embedder
returns no vectors (the knowledge base then searches by words alone).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

CACHED_TEXTS = 4096
"""Texts whose vectors are kept (about 1 kB each)."""
MODEL_NAME = "wordllama-l2_supercat-256"
"""The model and its size, stored with each chunk vector it makes."""

_LOCK = threading.Lock()
_MODEL: list[Any] = []
"""The loaded model, once loaded; ``[None]`` once loading has failed."""
_VECTORS: OrderedDict[str, Any] = OrderedDict()
"""Vectors of the texts compared last, least recently used first."""


def meaning_similarity(question: str, texts: Sequence[str]) -> list[float]:
    """Cosine similarity of meaning between ``question`` and each text."""
    model = _model()
    if model is None or not texts:
        return [0.0] * len(texts)
    with _LOCK:
        known = {text: _VECTORS[text] for text in texts if text in _VECTORS}
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    vectors = model.embed([question, *missing], norm=True)
    known.update(zip(missing, vectors[1:], strict=True))
    with _LOCK:
        for text in texts:
            _VECTORS[text] = known[text]
            _VECTORS.move_to_end(text)
        while len(_VECTORS) > CACHED_TEXTS:
            _VECTORS.popitem(last=False)
    return [float(known[text] @ vectors[0]) for text in texts]


class WordLlamaEmbedder:
    """Chunk and question vectors of meaning, from the same model as
    :func:`meaning_similarity` (the knowledge base's ``Embedder``)."""

    model = MODEL_NAME

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length rows, one per text; none when the model is unavailable."""
        model = _model()
        if model is None or not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = model.embed(list(texts), norm=True)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """A unit-length vector; empty when the model is unavailable."""
        model = _model()
        if model is None:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(model.embed([text], norm=True)[0], dtype=np.float32)


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
