"""Documents the centre withdrew, as the device learned at sync, in
``<home>/withdrawn.json``.

When a sync replaces the knowledge base and a document the device had is no
longer in it, the centre withdrew it: search stops finding it at once (the
KB no longer holds it), and the device keeps its id with the KB version that
withdrew it and when, so the technician is told: once in the sync's report,
and once more with the next answer (``edge-agent ask``, the terminal app).
An answer kept from before, shown again, is marked under its sources for each
withdrawn document it cites. A document the centre publishes again leaves
the list.

A damaged file is kept aside as ``withdrawn.json.damaged`` (once) and the
list starts afresh: it only informs, nothing depends on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from edge_agent.files import create_atomic, write_json_atomic

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """One withdrawn document.

    Attributes:
        document_id: The document's id in the KB (``manuals/old-pump.md``).
        kb_version: The KB version that came without it.
        withdrawn_at: When the device took that version (ISO 8601).
        shown: Whether an answer has told the technician already.
    """

    document_id: str
    kb_version: int
    withdrawn_at: str
    shown: bool = False


def withdrawn_message(entries: Sequence[Withdrawn]) -> list[str]:
    """``"Withdrawn by the centre in KB v5: manuals/old-pump.md."``, one line
    per KB version."""
    by_version: dict[int, list[str]] = {}
    for entry in entries:
        by_version.setdefault(entry.kb_version, []).append(entry.document_id)
    return [
        f"Withdrawn by the centre in KB v{version}: {', '.join(sorted(ids))}."
        for version, ids in sorted(by_version.items())
    ]


def withdrawn_marks(
    documents: Iterable[str], entries: Sequence[Withdrawn]
) -> list[str]:
    """For each of ``documents`` the centre withdrew, the line said under an
    answer citing it: ``"manuals/old-pump.md was withdrawn by the centre in KB
    v5 (2026-12-05): do not act on what it said."``"""
    cited = set(documents)
    return [
        _mark(entry)
        for entry in sorted(entries, key=lambda e: e.document_id)
        if entry.document_id in cited
    ]


def _mark(entry: Withdrawn) -> str:
    day = entry.withdrawn_at[:10]
    when = f" ({day})" if day else ""
    return (
        f"{entry.document_id} was withdrawn by the centre in KB "
        f"v{entry.kb_version}{when}: do not act on what it said."
    )


class WithdrawnList:
    """The list in one file; every change replaces it atomically.

    Args:
        path: The file (``HomeLayout.withdrawn_file``).
        set_aside: Where a damaged file is kept (``withdrawn_set_aside``).
    """

    def __init__(self, path: Path, set_aside: Path) -> None:
        self._path = path
        self._set_aside = set_aside

    def entries(self) -> list[Withdrawn]:
        """Every document withdrawn (none when the file is missing or damaged)."""
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return [_entry(item) for item in data["withdrawn"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError) as exc:
            logger.warning("%s is damaged (%s); read as empty", self._path, exc)
            return []

    def record(
        self,
        withdrawn: Iterable[str],
        *,
        kb_version: int,
        at: str,
        published: Iterable[str] = (),
    ) -> list[Withdrawn]:
        """Add the documents ``withdrawn`` by ``kb_version``, and drop those
        ``published`` again; returns the ones added.

        Raises:
            OSError: the file cannot be written (the KB is replaced already).
        """
        again = set(published)
        entries = self._sound_entries()
        kept = [e for e in entries if e.document_id not in again]
        known = {e.document_id for e in kept}
        added = [
            Withdrawn(document_id, kb_version, at)
            for document_id in sorted(set(withdrawn))
            if document_id not in known
        ]
        if added or len(kept) != len(entries):
            self._write([*kept, *added])
        return added

    def take_unshown(self) -> list[Withdrawn]:
        """The documents not yet told of in an answer, marked told now.

        A file that cannot be written tells them again next time.
        """
        entries = self.entries()
        unshown = [e for e in entries if not e.shown]
        if unshown:
            try:
                self._write([replace(e, shown=True) for e in entries])
            except OSError as exc:
                logger.warning("cannot mark %s as shown: %s", self._path, exc)
        return unshown

    def _sound_entries(self) -> list[Withdrawn]:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            return [_entry(item) for item in json.loads(data)["withdrawn"]]
        except (ValueError, TypeError, KeyError) as exc:
            create_atomic(self._set_aside, data)
            logger.warning(
                "%s was damaged (%s); kept as %s", self._path, exc, self._set_aside
            )
            return []

    def _write(self, entries: Sequence[Withdrawn]) -> None:
        write_json_atomic(self._path, {"withdrawn": [asdict(e) for e in entries]})


def _entry(item: Any) -> Withdrawn:
    if not isinstance(item, dict):
        raise TypeError("an entry is not an object")
    document_id, version = item["document_id"], item["kb_version"]
    if not isinstance(document_id, str) or not isinstance(version, int):
        raise TypeError("an entry has no document id or KB version")
    return Withdrawn(
        document_id,
        version,
        str(item.get("withdrawn_at", "")),
        item.get("shown") is True,
    )
