"""Search by meaning for one store: the app's embedder and the vectors of its
model, read once and kept until the knowledge base changes."""

from __future__ import annotations

from sqlite_utils import Database

from knowledge_cache.fusion import DENSE_POOL
from knowledge_cache.vectors import (
    Embedder,
    VectorCounts,
    VectorIndex,
    VectorProgress,
    embed_missing,
    vector_counts,
)


class MeaningSearch:
    """Nearest chunk vectors of a question, with the app's ``embedder``.

    The matrix of vectors is read on the first question and read again when
    another connection has changed the database (``PRAGMA data_version``) or
    this store has (:meth:`forget`).
    """

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder
        self._index: VectorIndex | None = None
        self._version: int | None = None

    def nearest(
        self, db: Database, question: str, k: int = DENSE_POOL
    ) -> list[tuple[int, float]]:
        """The ``k`` chunks (rowid, cosine) whose vectors lie nearest the
        question; none without an embedder or vectors of its model."""
        if self.embedder is None:
            return []
        index = self._current(db, self.embedder.model)
        if not len(index):
            return []
        return index.nearest(self.embedder.embed_query(question), k)

    def embed_missing(self, db: Database, progress: VectorProgress | None) -> int:
        """Embed the chunks that have no vector of the embedder's model."""
        if self.embedder is None:
            return 0
        try:
            return embed_missing(db, self.embedder, progress=progress)
        finally:
            self.forget()

    def counts(self, db: Database) -> VectorCounts:
        """Chunks with and without a vector of the embedder's model."""
        model = self.embedder.model if self.embedder is not None else ""
        return vector_counts(db, model)

    def forget(self) -> None:
        """Read the vectors again on the next question."""
        self._index = None

    def _current(self, db: Database, model: str) -> VectorIndex:
        (version,) = db.execute("PRAGMA data_version").fetchone()
        if self._index is None or version != self._version:
            self._index = VectorIndex.load(db, model)
            self._version = version
        return self._index
