"""The knowledge base at a sync: a damaged one never stops the actions, and
the centre's knowledge base replaces it.

Before the sync uses the knowledge base, SQLite checks every page of it
(``quick_check``: about 0.26 s for 100,000 chunks, so at a sync and not at
every command). A damaged one does not stop the sync: the actions are
pushed as always, and the device tells the centre it holds no knowledge base
(version 0), so the centre sends its newest in full. Once its signature is
checked, that snapshot is built into a new file beside the damaged one
(``knowledge.db.new``); only when it is complete does it take the damaged
file's place, and the damaged file is kept as ``knowledge.db.damaged``. If
the centre sends no knowledge base, or it cannot be built, the damaged file
stays as it was and the sync says what to do.

A knowledge base that cannot be used now but is not damaged (a full disk, a
read-only file) is left alone: a knowledge base the centre sends is refused
with the reason, and taken at a later sync.
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from edge_agent.config import EdgeSettings
from edge_agent.depot.updates import ApplyReport, KnowledgeBase, PartOutcome
from edge_agent.errors import KnowledgeDamaged
from edge_agent.knowledge import knowledge_damaged, open_knowledge
from knowledge_cache import (
    CacheUnavailable,
    KnowledgeCacheError,
    KnowledgeStore,
    Manifest,
    Snapshot,
    check_integrity,
)

SIDE_FILES = ("-wal", "-shm")


def open_for_sync(settings: EdgeSettings) -> KnowledgeStore | BrokenKnowledge:
    """The knowledge base once SQLite's quick check passes, else a stand-in
    that says why and can take the centre's knowledge base in its place."""
    path = settings.layout.knowledge_db
    try:
        problems = check_integrity(path, full=False) if path.exists() else ()
        if problems:
            raise knowledge_damaged(path, "; ".join(problems[:3]))
        return open_knowledge(settings)
    except (KnowledgeDamaged, CacheUnavailable) as exc:
        return BrokenKnowledge(settings, exc)


@dataclass(frozen=True, slots=True)
class Replacement:
    """A damaged knowledge base the centre's replaced.

    Attributes:
        version: The version now in force.
        set_aside: Where the damaged file is kept.
    """

    version: int
    set_aside: Path


class BrokenKnowledge:
    """Stands in for a knowledge base that a sync cannot open.

    It reports version 0, so the centre sends its newest knowledge base in
    full, and :meth:`apply_snapshot` puts that in place of a damaged file
    (one that is not damaged, only unusable now, is refused with its reason).

    Attributes:
        problem: Why the knowledge base could not be opened.
        replaced: What replaced a damaged one in this sync, if anything did.
    """

    def __init__(
        self, settings: EdgeSettings, problem: KnowledgeDamaged | CacheUnavailable
    ) -> None:
        self._settings = settings
        self.problem = problem
        self.replaced: Replacement | None = None

    @property
    def damaged(self) -> bool:
        return isinstance(self.problem, KnowledgeDamaged)

    def manifest(self) -> Manifest:
        version = 0 if self.replaced is None else self.replaced.version
        return Manifest(version=version, documents=())

    def apply_snapshot(self, snapshot: Snapshot) -> int:
        """Build ``snapshot`` in a new file and put it in the damaged one's place.

        Raises:
            KnowledgeDamaged, CacheUnavailable: the knowledge base is only
                unusable, not damaged: nothing is replaced.
            KnowledgeCacheError: the snapshot could not be built (not a full
                one, a full disk); the damaged file stays as it was.
        """
        if not self.damaged or self.replaced is not None:
            raise self.problem
        layout = self._settings.layout
        built = _build(self._settings, layout.knowledge_rebuild, snapshot)
        set_aside = _free_name(layout.knowledge_set_aside)
        try:
            _move(layout.knowledge_db, set_aside)
            os.replace(layout.knowledge_rebuild, layout.knowledge_db)
        except OSError as exc:
            raise KnowledgeCacheError(
                f"The centre's knowledge base was built, but could not take the "
                f"damaged one's place ({exc.strerror or exc}); it waits as "
                f"{layout.knowledge_rebuild.name} for the next sync.",
                path=layout.knowledge_db,
            ) from exc
        self.replaced = Replacement(built, set_aside)
        return built

    def message(self) -> str:
        """What became of the knowledge base in this sync, in plain language."""
        if self.replaced is not None:
            return (
                f"The damaged knowledge base was replaced by the centre's "
                f"version {self.replaced.version}; the damaged file is kept as "
                f"{self.replaced.set_aside.name} (for support; delete it when no "
                "longer needed)."
            )
        return self.problem.message

    def close(self) -> None:
        """Nothing is held open."""


def with_repair(applied: ApplyReport, knowledge: KnowledgeBase) -> ApplyReport:
    """The pull's outcomes, the KB's saying that it replaced a damaged one."""
    if not isinstance(knowledge, BrokenKnowledge) or knowledge.replaced is None:
        return applied
    version = knowledge.replaced.version
    repaired = PartOutcome("kb", "updated", knowledge.message(), version)
    parts = tuple(repaired if p.part == "kb" else p for p in applied.parts)
    return replace(applied, parts=parts)


def kb_problem(
    knowledge: KnowledgeBase, reached: bool, applied: ApplyReport | None
) -> dict[str, str] | None:
    """Why the knowledge base is still not usable after the sync, if it is not.

    ``kind`` is ``damaged`` (``edge-agent sync`` exits 5), or why it cannot be
    used now (``disk_full``, ``read_only`` ...) when no refused update said so.
    """
    if not isinstance(knowledge, BrokenKnowledge) or knowledge.replaced is not None:
        return None
    said = applied is not None and applied.outcome("kb") is not None
    if not knowledge.damaged:
        if said:
            return None
        return {
            "kind": getattr(knowledge.problem, "reason", ""),
            "message": knowledge.message(),
        }
    if not reached:
        status = "The centre was not reached, so it was not replaced."
    elif said:
        status = "The centre's knowledge base could not replace it (see above)."
    else:
        status = "The centre sent no knowledge base to replace it."
    return {"kind": "damaged", "message": f"{knowledge.message()} {status}"}


def _build(settings: EdgeSettings, path: Path, snapshot: Snapshot) -> int:
    """Build ``snapshot`` as a new knowledge base at ``path``; its version.

    What an earlier, interrupted build left there is the sync's own, and
    goes. A build that fails leaves nothing.
    """
    _remove(path)
    try:
        with open_knowledge(settings, path) as store:
            return store.apply_snapshot(snapshot)
    except BaseException:
        _remove(path)
        raise


def _move(source: Path, target: Path) -> None:
    """Rename a database and its side files (the folder in its place too)."""
    for suffix in SIDE_FILES:
        side = Path(f"{source}{suffix}")
        if side.exists():
            side.rename(Path(f"{target}{suffix}"))
    if source.exists() or source.is_symlink():
        source.rename(target)


def _remove(path: Path) -> None:
    for file in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES)):
        with suppress(FileNotFoundError):
            file.unlink()


def _free_name(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3`` ... whichever is not taken."""
    candidate, number = path, 1
    while any(Path(f"{candidate}{suffix}").exists() for suffix in ("", *SIDE_FILES)):
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate
