"""``KnowledgeStore``: the facade other packages use to read and update the KB.

The work is done by the modules behind it: ``ingest`` and ``meaning`` (files
and vectors), ``search``, ``question_reading`` (questions and the glossary
layers), ``code_lookup`` (the code tables), ``contents`` (chunks, documents,
stats), ``snapshot``; ``error_translation`` turns SQLite failures into the
package's errors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlite_utils import Database

from knowledge_cache import code_lookup, contents
from knowledge_cache.code_formats import code_formats, cued_formats
from knowledge_cache.db import open_db
from knowledge_cache.error_translation import translated
from knowledge_cache.glossary import Glossary
from knowledge_cache.ingest import (
    MAX_FILE_BYTES,
    Clock,
    ProgressCallback,
    SourceFile,
    collect_sources,
    ingest_sources,
    utc_now,
)
from knowledge_cache.meaning import MeaningSearch
from knowledge_cache.models import (
    Chunk,
    CodeEntry,
    CodeFormat,
    CodeKind,
    Document,
    IngestReport,
    KbStats,
    Manifest,
    SearchHit,
    Snapshot,
)
from knowledge_cache.namesakes import Namesakes, find_namesakes
from knowledge_cache.query_plan import FrequencyCache
from knowledge_cache.question_codes import CodeReading
from knowledge_cache.question_reading import QuestionReader
from knowledge_cache.search import Similarity, UnderstoodQuery, search_chunks
from knowledge_cache.snapshot import apply_snapshot, manifest
from knowledge_cache.vectors import Embedder, VectorCounts, VectorProgress


class KnowledgeStore:
    """The knowledge base on one SQLite database.

    Build it with :meth:`open`; every method translates SQLite failures into
    :class:`KnowledgeCacheError` subclasses.
    """

    def __init__(
        self,
        db: Database,
        *,
        path: Path | None = None,
        clock: Clock = utc_now,
        similarity: Similarity | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self._db = db
        self._similarity = similarity
        self._meaning = MeaningSearch(embedder)
        self._path = path
        self._clock = clock
        self._frequencies = FrequencyCache()
        self._reader = QuestionReader(db, self._frequencies)

    @classmethod
    def open(
        cls,
        target: Path | sqlite3.Connection,
        *,
        clock: Clock = utc_now,
        similarity: Similarity | None = None,
        embedder: Embedder | None = None,
    ) -> KnowledgeStore:
        """Open the KB at ``target`` (a file path or a connection), migrating it.

        ``similarity`` (of meaning, question against texts) joins the ranking
        of questions' best candidates; the app passes a small embedding model.
        With an ``embedder``, ingest and snapshots store a vector for each
        chunk, and a question's nearest chunk vectors join its candidates.
        """
        db = open_db(target)
        path = target if isinstance(target, Path) else None
        return cls(db, path=path, clock=clock, similarity=similarity, embedder=embedder)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> KnowledgeStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sources(self, paths: Iterable[Path]) -> list[SourceFile]:
        """The files that ingesting ``paths`` would read, folders expanded."""
        return list(collect_sources(paths))

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: ProgressCallback | None = None,
        vector_progress: VectorProgress | None = None,
    ) -> IngestReport:
        """Ingest files and folders; each file is replaced atomically or not at all."""
        return self.ingest_sources(
            self.sources(paths), progress=progress, vector_progress=vector_progress
        )

    def ingest_sources(
        self,
        sources: Iterable[SourceFile],
        *,
        progress: ProgressCallback | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
        vector_progress: VectorProgress | None = None,
    ) -> IngestReport:
        """Ingest files listed by :meth:`sources`; a file over the limit fails.

        With an embedder, the chunks without a vector are embedded after the
        files are written (``vector_progress`` follows them).
        """
        with self._translated():
            report = ingest_sources(
                self._db,
                sources,
                clock=self._clock,
                progress=progress,
                max_file_bytes=max_file_bytes,
            )
            self._meaning.embed_missing(self._db, vector_progress)
            return report

    def embed_missing(self, *, progress: VectorProgress | None = None) -> int:
        """Store a vector for every chunk that has none of the embedder's
        model (none without an embedder); return how many were embedded."""
        with self._translated():
            return self._meaning.embed_missing(self._db, progress)

    def vector_counts(self) -> VectorCounts:
        """How many chunks have a vector of the embedder's model: search by
        meaning finds only those (none at all without an embedder)."""
        with self._translated():
            return self._meaning.counts(self._db)

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        literal: bool = False,
        understood: UnderstoodQuery | None = None,
    ) -> list[SearchHit]:
        """Chunks for ``query``, best first; exact code matches lead.

        The question is read as a technician writes it (see :meth:`understand`);
        ``literal`` searches its own words and codes only. Pass ``understood``
        when the caller has already called :meth:`understand`.
        """
        with self._translated():
            if not literal and understood is None:
                understood = self._reader.understand(query)
            return search_chunks(
                self._db,
                query,
                limit=limit,
                frequencies=self._frequencies,
                understood=None if literal else understood,
                similarity=self._similarity,
                nearest=lambda question: self._meaning.nearest(self._db, question),
            )

    def understand(self, question: str) -> UnderstoodQuery:
        """Read ``question`` for search: the codes it names (typing slips read,
        each looked up), its content words and their alternatives from the
        glossary, the KB's own abbreviations, numbers and vocabulary."""
        with self._translated():
            return self._reader.understand(question)

    def glossary(self) -> Glossary:
        """The general glossary merged with the KB's own ``glossary.toml``."""
        with self._translated():
            return self._reader.glossary_layers()[0]

    def lookup_code(self, text: str) -> list[CodeEntry]:
        """Entries of the code tables for any code spelled in ``text``.

        A listed code spelled inside a longer code of a declared format does
        not count, listed or not: ``4471-E42-999`` is a part number the
        catalogue lacks, never fault E-42.
        """
        with self._translated():
            return code_lookup.lookup_code(self._db, text)

    def read_codes(self, question: str) -> list[CodeReading]:
        with self._translated():
            return code_lookup.read_codes(self._db, question)

    def is_listed(self, value: str) -> bool:
        """Whether a code table lists ``value`` spelled as it is (``2.1``, not
        ``21``; ``e1`` is ``E-1``)."""
        with self._translated():
            return code_lookup.is_listed(self._db, value)

    def closest_codes(
        self, code: str, kind: CodeKind, limit: int = 3
    ) -> list[CodeEntry]:
        """The listed codes of ``kind`` that look most like ``code``.

        For a code the KB does not list: offered as "closest entries", never as
        the code's meaning. Ranked by edit distance of the keys, then by how
        far apart their numbers are.
        """
        return code_lookup.closest_codes(code, self.codes_of_kind(kind), limit)

    def namesakes(self, entry: CodeEntry) -> Namesakes:
        """Other codes of the entry's kind listed with the same text, and a few
        whose text is one number or one word apart ("bank 1" and "bank 2"),
        so an answer can show the technician the choice without claiming
        that different texts mean the same."""
        return find_namesakes(entry, self.codes_of_kind(entry.kind))

    def codes_of_kind(self, kind: CodeKind) -> list[CodeEntry]:
        """Every registered code of one kind (e.g. the parts catalogue), by code."""
        with self._translated():
            return code_lookup.codes_of_kind(self._db, kind)

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id.

        Raises:
            NotFound: no such chunk (e.g. its document was re-ingested).
        """
        with self._translated():
            return contents.chunk(self._db, chunk_id)

    def documents(self) -> list[Document]:
        """Every stored document, by id."""
        with self._translated():
            return contents.documents(self._db)

    def code_formats(self) -> list[CodeFormat]:
        """The code formats in use: those ``kb.toml`` declares, and those
        learned from the code tables for the kinds it does not declare."""
        with self._translated():
            return code_formats(self._db)

    def cued_formats(self) -> list[CodeFormat]:
        """Formats too loose to read anywhere (plain numbers, mostly), read
        only right after a code cue such as "alarm" (see
        :mod:`knowledge_cache.question_codes`)."""
        with self._translated():
            return cued_formats(self._db)

    def stats(self) -> KbStats:
        with self._translated():
            return contents.stats(self._db, self._meaning, self._path)

    def manifest(self) -> Manifest:
        with self._translated():
            return manifest(self._db)

    def apply_snapshot(
        self, snapshot: Snapshot, *, vector_progress: VectorProgress | None = None
    ) -> int:
        """Apply a snapshot atomically (see :mod:`knowledge_cache.snapshot`),
        then, with an embedder, embed the chunks it brought."""
        with self._translated():
            version = apply_snapshot(
                self._db,
                snapshot,
                ingested_at=self._clock().isoformat(timespec="seconds"),
            )
            self._meaning.embed_missing(self._db, vector_progress)
            return version

    def _translated(self) -> AbstractContextManager[None]:
        """SQLite failures inside raised as this package's errors."""
        return translated(self._path)
