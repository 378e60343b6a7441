"""Chunk vectors: embeddings of meaning, computed at ingest and searched by
nearest neighbours.

The app passes an :class:`Embedder` in (the library imports no model). Each
chunk's vector is stored beside it in ``chunk_vectors`` (float32, unit
length, with the name of the model that made it) and kept while the chunk
lives: a re-ingested document gets new chunks, and so new vectors.

Search reads every vector of the embedder's model once into a matrix and
compares a question with all of them in one product. Past
:data:`EXACT_LIMIT` chunks that product reads more memory than a question
may wait for (100 MB at 100,000 chunks of 256 dimensions), so the question
is first compared with each vector's signs (32 bytes for 256 dimensions, by
Hamming distance), and only the :data:`RESCORED` closest are compared in
full. Chunks without a vector (ingested without an embedder, received
in a snapshot, or embedded by another model) are simply not found this way;
:func:`vector_counts` says how many there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from knowledge_cache.models import Chunk

FloatArray = npt.NDArray[np.float32]
"""A vector, or a matrix of vectors by row."""

MEANING_CHARS = 500
"""Of each chunk, the start (title, section, text) that its vector embeds."""
EMBED_BATCH = 128
"""Chunks embedded and written per transaction."""
EXACT_LIMIT = 20_000
"""Up to this many vectors, every one is compared in full with a question."""
RESCORED = 256
"""Past :data:`EXACT_LIMIT`, the vectors closest by sign compared in full."""

VectorProgress = Callable[[int, int], None]
"""Called with (chunks embedded so far, chunks to embed)."""


class Embedder(Protocol):
    """A model that turns texts into vectors of meaning (the app's)."""

    @property
    def model(self) -> str:
        """The model's name and settings, stored with each vector: vectors of
        another model are not compared with this one's."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> FloatArray:
        """One unit-length row per text (chunks); no rows when the model
        cannot run (nothing is stored then)."""
        ...

    def embed_query(self, text: str) -> FloatArray:
        """One unit-length vector (a question); empty when the model cannot
        run (nothing is found by meaning then)."""
        ...


@dataclass(frozen=True, slots=True)
class VectorCounts:
    """How many chunks have a vector of a model, and how many have none."""

    model: str
    """The model whose vectors are counted (empty: no embedder given)."""
    with_vectors: int
    without_vectors: int
    other_models: tuple[str, ...] = ()
    """Models whose vectors the KB holds besides ``model``."""


def meaning_text(chunk: Chunk) -> str:
    """The text of a chunk that its vector (and similarity of meaning) reads."""
    return f"{chunk.title} {chunk.section} {chunk.text}"[:MEANING_CHARS]


class VectorIndex:
    """Every stored vector of one model, as a matrix, for nearest neighbours."""

    def __init__(
        self,
        model: str,
        rowids: npt.NDArray[np.int64],
        matrix: FloatArray,
        *,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        self.model = model
        self.rowids = rowids
        self.matrix = matrix
        self.signs = _signs(matrix) if len(matrix) > exact_limit else None

    @classmethod
    def load(cls, db: Database, model: str) -> VectorIndex:
        """The vectors of ``model`` stored in ``db``, in chunk order."""
        rows = db.execute(
            "SELECT chunk, vector FROM chunk_vectors WHERE model = ? ORDER BY chunk",
            [model],
        ).fetchall()
        rowids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return cls(model, rowids, np.zeros((0, 0), dtype=np.float32))
        flat = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        return cls(model, rowids, flat.reshape(len(rows), -1))

    def __len__(self) -> int:
        return len(self.rowids)

    def nearest(self, query: FloatArray, k: int) -> list[tuple[int, float]]:
        """The ``k`` chunks (rowid, cosine) closest to ``query``, closest first."""
        if not len(self) or k <= 0 or query.shape[-1] != self.matrix.shape[1]:
            return []
        query = query.astype(np.float32, copy=False)
        rows = self._shortlist(query)
        scores = (self.matrix if rows is None else self.matrix[rows]) @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = self.rowids if rows is None else self.rowids[rows]
        return [(int(ids[i]), float(scores[i])) for i in top]

    def _shortlist(self, query: FloatArray) -> npt.NDArray[np.intp] | None:
        """The rows closest to ``query`` by sign (None: compare every row)."""
        if self.signs is None:
            return None
        hamming = np.bitwise_count(self.signs ^ _signs(query[None, :])).sum(
            axis=1, dtype=np.int32
        )
        return np.argpartition(hamming, RESCORED - 1)[:RESCORED]


def _signs(matrix: FloatArray) -> npt.NDArray[np.uint64]:
    """Each row's signs, one bit a dimension, in 64-bit words."""
    packed = np.packbits(matrix > 0, axis=1)
    padding = -packed.shape[1] % 8
    if padding:
        packed = np.pad(packed, ((0, 0), (0, padding)))
    return np.ascontiguousarray(packed).view(np.uint64)


def embed_missing(
    db: Database,
    embedder: Embedder,
    *,
    progress: VectorProgress | None = None,
    batch: int = EMBED_BATCH,
) -> int:
    """Embed every chunk that has no vector of the embedder's model; return
    how many were embedded. Each batch is written in its own transaction, so
    an interrupted run keeps what it did and the next one goes on from there.
    """
    model = embedder.model
    (total,) = db.execute(_MISSING_COUNT, [model]).fetchone()
    done, last = 0, -1
    while done < total:
        rows = db.execute(_MISSING_ROWS, [model, last, batch]).fetchall()
        if not rows:
            break
        chunks = [Chunk("", "", str(t), str(s), None, str(b)) for _, t, s, b in rows]
        matrix = np.asarray(
            embedder.embed_passages([meaning_text(c) for c in chunks]),
            dtype=np.float32,
        )
        if matrix.ndim != 2 or len(matrix) != len(rows) or not matrix.shape[1]:
            break  # the model cannot run: the chunks stay without vectors
        with db.atomic():
            db.conn.executemany(
                "INSERT OR REPLACE INTO chunk_vectors(chunk, model, vector) "
                "VALUES (?, ?, ?)",
                [
                    (row[0], model, vector.tobytes())
                    for row, vector in zip(rows, matrix, strict=True)
                ],
            )
        done += len(rows)
        last = int(rows[-1][0])
        if progress is not None:
            progress(done, total)
    return done


def vector_counts(db: Database, model: str) -> VectorCounts:
    """How many chunks have a vector of ``model`` and how many do not."""
    (chunks,) = db.execute("SELECT count(*) FROM chunks").fetchone()
    by_model = dict(
        db.execute(
            "SELECT model, count(*) FROM chunk_vectors GROUP BY model ORDER BY model"
        ).fetchall()
    )
    if not model and len(by_model) == 1:
        model = next(iter(by_model))
    found = int(by_model.get(model, 0))
    others = tuple(name for name in by_model if name != model)
    return VectorCounts(model, found, int(chunks) - found, others)


_MISSING_COUNT = (
    "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v "
    "WHERE v.chunk = c.id AND v.model = ?1)"
)
_MISSING_ROWS = (
    "SELECT c.id, c.title, c.section, c.body FROM chunks c WHERE c.id > ?2 AND NOT "
    "EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk = c.id AND v.model = ?1) "
    "ORDER BY c.id LIMIT ?3"
)
