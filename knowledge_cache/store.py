"""``KnowledgeStore``: the facade other packages use to read and update the KB."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlite_utils import Database

from knowledge_cache.code_formats import (
    code_formats,
    declared_formats,
    learned_formats,
)
from knowledge_cache.code_keys import code_key
from knowledge_cache.db import open_db
from knowledge_cache.english import is_english
from knowledge_cache.errors import CacheCorrupt, KnowledgeCacheError, NotFound
from knowledge_cache.format_matching import FormatSet
from knowledge_cache.glossary import (
    GLOSSARY_FILE,
    Abbreviation,
    Glossary,
    default_glossary,
    parse_glossary,
)
from knowledge_cache.ingest import (
    MAX_FILE_BYTES,
    Clock,
    ProgressCallback,
    SourceFile,
    collect_sources,
    ingest_sources,
    utc_now,
)
from knowledge_cache.integrity import unavailable
from knowledge_cache.intent import question_intent
from knowledge_cache.meaning import MeaningSearch
from knowledge_cache.models import (
    Chunk,
    CodeEntry,
    CodeFormat,
    CodeKind,
    Document,
    DocumentKind,
    IngestReport,
    KbStats,
    Manifest,
    SearchHit,
    Snapshot,
)
from knowledge_cache.namesakes import Namesakes, find_namesakes
from knowledge_cache.query_plan import FrequencyCache, document_frequencies
from knowledge_cache.question_codes import CodeReading, TypedCode, codes_in_question
from knowledge_cache.search import (
    MAX_QUERY_CHARS,
    Similarity,
    UnderstoodQuery,
    chunk_from_row,
    known_code_keys,
    search_chunks,
)
from knowledge_cache.snapshot import apply_snapshot, manifest
from knowledge_cache.understanding import understand
from knowledge_cache.vectors import Embedder, VectorCounts, VectorProgress
from knowledge_cache.vocabulary import Vocabulary
from knowledge_cache.writer import (
    GLOSSARY_KEY,
    NAME_KEY,
    kb_version,
    meta,
)


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
        self._vocabulary = Vocabulary()
        self._glossary_cache: (
            tuple[int, Glossary, dict[str, set[str]], dict[str, set[str]]] | None
        ) = None

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
                understood = self._understand(query)
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
            return self._understand(question)

    def glossary(self) -> Glossary:
        """The general glossary merged with the KB's own ``glossary.toml``."""
        with self._translated():
            return self._glossary_layers()[0]

    def _understand(self, question: str) -> UnderstoodQuery:
        readings = self._read_codes(question)
        db, vocabulary = self._db, self._vocabulary
        _, phrases, units = self._glossary_layers()
        understanding = understand(
            _without_codes(question[:MAX_QUERY_CHARS], readings),
            phrases=phrases,
            units=units,
            frequency=lambda words: document_frequencies(db, words, self._frequencies),
            correction=lambda word: vocabulary.correction(db, word),
            split=lambda word: vocabulary.split(db, word),
            is_word=is_english,
        )
        prefixes = {
            a.text
            for found in understanding.alternatives.values()
            for a in found
            if a.prefix
        }
        return UnderstoodQuery(
            exact_keys=tuple(dict.fromkeys(r.code.key for r in readings if r.known)),
            code_keys=tuple(dict.fromkeys(r.code.key for r in readings)),
            understanding=understanding,
            readings=tuple(readings),
            prefix_counts={p: vocabulary.prefixed(db, p) for p in prefixes},
            intent=question_intent(question),
        )

    def _glossary_layers(
        self,
    ) -> tuple[Glossary, dict[str, set[str]], dict[str, set[str]]]:
        """The merged glossary and its phrase table, with the abbreviations the
        KB's text defines; rebuilt when the KB version changes."""
        version = kb_version(self._db)
        if self._glossary_cache is None or self._glossary_cache[0] != version:
            glossary = default_glossary()
            stored = meta(self._db, GLOSSARY_KEY)
            if stored:
                glossary = glossary.merged(
                    parse_glossary(stored.encode("utf-8"), layer=GLOSSARY_FILE)
                )
            learned = Glossary(
                abbreviations=tuple(
                    Abbreviation(short, long)
                    for short, long in self._db.execute(
                        "SELECT DISTINCT short, long FROM acronyms ORDER BY short, long"
                    )
                ),
                layers=("defined in the KB",),
            )
            glossary = glossary.merged(learned)
            self._glossary_cache = (
                version,
                glossary,
                glossary.phrase_alternatives(),
                glossary.unit_alternatives(),
            )
        _, glossary, phrases, units = self._glossary_cache
        return glossary, phrases, units

    def lookup_code(self, text: str) -> list[CodeEntry]:
        """Entries of the code tables for any code spelled in ``text``.

        A listed code spelled inside a longer code of a declared format does
        not count, listed or not: ``4471-E42-999`` is a part number the
        catalogue lacks, never fault E-42.
        """
        with self._translated():
            longer = {t.key for t in self._typed_codes(text)}
            return self._entries(known_code_keys(self._db, text, longer))

    def read_codes(self, question: str) -> list[CodeReading]:
        with self._translated():
            return self._read_codes(question)

    def _read_codes(self, question: str) -> list[CodeReading]:
        """Every code ``question`` names, typing slips read, each looked up.

        Codes are read with the KB's declared formats (see
        :mod:`knowledge_cache.question_codes`); a code a table registers
        without a declared format is found by its exact key. A reading with no
        entries is a code the KB does not list.
        """
        typed = self._typed_codes(question)
        readings = [CodeReading(t, tuple(self._entries([t.key]))) for t in typed]
        typed_keys = {t.key for t in typed}
        for key in known_code_keys(self._db, question, typed_keys):
            if key in typed_keys:
                continue
            entries = self._entries([key])
            code = TypedCode(
                entries[0].code, entries[0].code, entries[0].kind, (), -1, -1
            )
            readings.append(CodeReading(code, tuple(entries)))
        return readings

    def _typed_codes(self, text: str) -> list[TypedCode]:
        """The codes ``text`` spells in the KB's declared formats, slips read."""
        return codes_in_question(text, FormatSet(code_formats(self._db)))

    def closest_codes(
        self, code: str, kind: CodeKind, limit: int = 3
    ) -> list[CodeEntry]:
        """The listed codes of ``kind`` that look most like ``code``.

        For a code the KB does not list: offered as "closest entries", never as
        the code's meaning. Ranked by edit distance of the keys, then by how
        far apart their numbers are.
        """
        key = code_key(code)
        number = _number(key)
        listed = self.codes_of_kind(kind)
        ranked = sorted(
            listed,
            key=lambda e: (
                Levenshtein.distance(key, code_key(e.code)),
                abs(_number(code_key(e.code)) - number),
                e.code,
            ),
        )
        return list({e.code: e for e in ranked}.values())[:limit]

    def namesakes(self, entry: CodeEntry) -> Namesakes:
        """Other codes of the entry's kind listed with the same text, and a few
        whose text is one number or one word apart ("bank 1" and "bank 2"),
        so an answer can show the technician the choice without claiming
        that different texts mean the same."""
        return find_namesakes(entry, self.codes_of_kind(entry.kind))

    def _entries(self, keys: Sequence[str]) -> list[CodeEntry]:
        if not keys:
            return []
        placeholders = ", ".join("?" for _ in keys)
        rows = self._db.execute(
            "SELECT key, code, kind, description, chunk_id, document_id, "
            f"attributes FROM codes WHERE key IN ({placeholders})",
            list(keys),
        ).fetchall()
        order = {key: i for i, key in enumerate(keys)}
        rows.sort(key=lambda row: (order[row[0]], row[5]))
        return [_code_entry(row[1:]) for row in rows]

    def codes_of_kind(self, kind: CodeKind) -> list[CodeEntry]:
        """Every registered code of one kind (e.g. the parts catalogue), by code."""
        with self._translated():
            rows = self._db.execute(
                "SELECT code, kind, description, chunk_id, document_id, attributes "
                "FROM codes WHERE kind = ? ORDER BY code, document_id",
                [kind.value],
            ).fetchall()
        return [_code_entry(row) for row in rows]

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id.

        Raises:
            NotFound: no such chunk (e.g. its document was re-ingested).
        """
        with self._translated():
            row = self._db.execute(
                "SELECT chunk_id, document_id, title, section, page, body "
                "FROM chunks WHERE chunk_id = ?",
                [chunk_id],
            ).fetchone()
        if row is None:
            raise NotFound(f"No chunk {chunk_id} in the knowledge base.")
        return chunk_from_row(row)

    def documents(self) -> list[Document]:
        """Every stored document, by id."""
        with self._translated():
            rows = self._db.execute(
                "SELECT id, title, kind, content_hash, size_bytes, chunk_count, "
                "ingested_at FROM documents ORDER BY id"
            ).fetchall()
        return [
            Document(doc_id, title, DocumentKind(kind), digest, size, count, at)
            for doc_id, title, kind, digest, size, count, at in rows
        ]

    def code_formats(self) -> list[CodeFormat]:
        """The code formats in use: those ``kb.toml`` declares, and those
        learned from the code tables for the kinds it does not declare."""
        with self._translated():
            return code_formats(self._db)

    def stats(self) -> KbStats:
        with self._translated():
            by_kind = dict(
                self._db.execute(
                    "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind"
                ).fetchall()
            )
            (chunks,) = self._db.execute("SELECT count(*) FROM chunks").fetchone()
            (codes,) = self._db.execute("SELECT count(*) FROM codes").fetchone()
            vectors = self._meaning.counts(self._db)
            return KbStats(
                name=meta(self._db, NAME_KEY),
                version=kb_version(self._db),
                documents=sum(by_kind.values()),
                chunks=int(chunks),
                codes=int(codes),
                size_bytes=self._size_on_disk(),
                documents_by_kind=by_kind,
                declared_formats=tuple(declared_formats(self._db)),
                learned_formats=tuple(learned_formats(self._db)),
                formats_in_use=tuple(code_formats(self._db)),
                vector_model=vectors.model,
                chunks_with_vectors=vectors.with_vectors,
            )

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

    def _size_on_disk(self) -> int:
        if self._path is None:
            return 0
        files = [self._path, *(Path(f"{self._path}{s}") for s in ("-wal", "-shm"))]
        return sum(f.stat().st_size for f in files if f.exists())

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if (problem := unavailable(self._path, exc)) is not None:
                raise problem from exc  # a full disk, a read-only file: not damage
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise KnowledgeCacheError(
                    "The knowledge base is busy (another process is writing); "
                    "try again in a moment.",
                    path=self._path,
                ) from exc
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.OperationalError):
                raise KnowledgeCacheError(
                    f"The knowledge base could not be updated ({exc}); nothing "
                    "was changed. Free disk space or try again.",
                    path=self._path,
                ) from exc
            raise CacheCorrupt(
                f"The knowledge base {self._path or ''} is damaged ({exc}). It was "
                "left as it is: move it aside and ingest again, or sync a fresh "
                "snapshot.",
                path=self._path,
            ) from exc


def _without_codes(question: str, readings: Sequence[CodeReading]) -> str:
    """The question with the codes it names blanked out: codes are looked up,
    never searched as words."""
    text = question
    for reading in readings:
        if reading.code.start >= 0:
            start, end = reading.code.start, reading.code.end
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def _number(key: str) -> int:
    digits = "".join(ch for ch in key if ch.isdigit())
    return int(digits) if digits else 0


def _code_entry(row: Sequence[Any]) -> CodeEntry:
    code, kind, description, chunk_id, document_id, attributes = row
    return CodeEntry(
        code=code,
        kind=CodeKind(kind),
        description=description,
        chunk_id=chunk_id,
        document_id=document_id,
        attributes=json.loads(attributes),
    )
