"""How the knowledge base reads in the console: the published versions with
what each changed, the newest version's documents with their revisions, the
withdrawals with the KB version that carried each, and the withdraw form.

Read from the stored KB versions as :mod:`sync.server.withdrawing` reads
them: each version's delta says what it added, changed and removed (the
first version, stored whole, added everything), and a revision is named by
:func:`~sync.server.withdrawing.revision_of`, as devices record it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from sync.protocol import KbDelta
from sync.server.console.guard import Form
from sync.server.errors import RequestInvalid
from sync.server.storage import Storage, fleet
from sync.server.storage.kb_withdrawals import StoredWithdrawal, withdrawals
from sync.server.withdrawing import revision_of

VERSIONS_PER_PAGE = 25
"""KB versions on one page of the history."""
NAMES_SHOWN = 5
"""Documents named in a version's changes before "and N more"."""
MAX_DOCUMENT = 500
"""The longest document name taken from a form (as the store keeps them)."""
MAX_REVISION = 64
MAX_REASON = 2000


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One published KB version as the history lists it.

    Attributes:
        version: Its number.
        published_at: When.
        published_by: Who (``supervisor:sam``, or the command's actor).
        documents: How many documents it holds.
        added: Documents it brought that the version before did not hold.
        changed: Documents it brought a new revision of.
        removed: Documents it left out.
        whole: Stored without a delta from a previous version.
    """

    version: int
    published_at: datetime
    published_by: str
    documents: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    whole: bool

    @property
    def changes(self) -> str:
        """What it changed, in a few words."""
        if self.whole:
            return f"first version: {_count(self.documents, 'document')}"
        parts = [
            f"{verb} {_names(names)}"
            for verb, names in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            if names
        ]
        return "; ".join(parts) or "no document changed"


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A document of the newest KB version, with its revision."""

    document: str
    revision: str


@dataclass(frozen=True, slots=True)
class WithdrawalRow:
    """A withdrawal with the KB version that carried it: the version
    published without the document, or the one that brought the revision."""

    withdrawal: StoredWithdrawal
    kb_version: int | None

    @property
    def carried(self) -> str:
        """The KB version, in words."""
        if self.kb_version is None:
            return "unknown"
        if self.withdrawal.revision:
            return f"v{self.kb_version} brought it"
        return f"v{self.kb_version} published without it"


@dataclass(frozen=True, slots=True)
class KnowledgeState:
    """What the knowledge page shows.

    Attributes:
        versions: Every published KB version, newest first.
        documents: The newest version's documents, by name.
        withdrawals: Every withdrawal, newest first.
    """

    versions: list[VersionRow]
    documents: list[DocumentRow]
    withdrawals: list[WithdrawalRow]

    @property
    def newest(self) -> int:
        """The newest KB version (0: none published)."""
        return self.versions[0].version if self.versions else 0


def knowledge_state(storage: Storage) -> KnowledgeState:
    """The KB's versions, newest documents and withdrawals, read at once."""
    with storage.read() as connection:
        recorded = withdrawals(connection)
        watched = {w.document for w in recorded if w.revision}
        versions, first_seen = _history(connection, watched)
        documents = _documents(connection, versions[-1].version if versions else 0)
    rows = [
        WithdrawalRow(
            w,
            first_seen.get((w.document, w.revision)) if w.revision else w.kb_version,
        )
        for w in reversed(recorded)
    ]
    return KnowledgeState(versions[::-1], documents, rows)


def _history(
    connection: Connection, watched: set[str]
) -> tuple[list[VersionRow], dict[tuple[str, str], int]]:
    """Every version, oldest first, and the first version that held each
    revision of the ``watched`` documents."""
    held: set[str] = set()
    rows: list[VersionRow] = []
    first_seen: dict[tuple[str, str], int] = {}
    for change in fleet.kb_changes(connection):
        files, removed = _stored_files(connection, change)
        names = set(files)
        whole = change["delta"] is None
        after = names if whole else (held | names) - set(removed)
        rows.append(
            VersionRow(
                int(change["version"]),
                change["published_at"],
                str(change["published_by"]),
                len(after),
                tuple(sorted(names - held)),
                () if whole else tuple(sorted(names & held)),
                tuple(sorted(held - after)),
                whole,
            )
        )
        for document in watched & names:
            revision = revision_of(files[document])
            if revision is not None:
                first_seen.setdefault((document, revision), int(change["version"]))
        held = after
    return rows, first_seen


def _stored_files(
    connection: Connection, change: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """The files a version brought and the names it removed: its delta, or
    its whole snapshot when it has none."""
    text = change["delta"]
    if text is None:
        stored = fleet.kb_version(connection, int(change["version"]))
        text = stored["snapshot"] if stored else None
    if text is None:
        return {}, []
    kb = KbDelta.model_validate_json(text)
    return kb.files, kb.removed


def _documents(connection: Connection, version: int) -> list[DocumentRow]:
    stored = fleet.kb_version(connection, version) if version else None
    if stored is None:
        return []
    files = KbDelta.model_validate_json(stored["snapshot"]).files
    return [
        DocumentRow(name, revision_of(files[name]) or "unreadable")
        for name in sorted(files)
    ]


@dataclass(frozen=True, slots=True)
class WithdrawForm:
    """The fields of a withdrawal: a document, an old revision of it (empty:
    the whole document) and why."""

    document: str = ""
    revision: str = ""
    reason: str = ""

    @classmethod
    def from_form(cls, form: Form) -> WithdrawForm:
        """The fields as posted, cut to what the store keeps."""
        return cls(
            form.get("document")[:MAX_DOCUMENT],
            form.get("revision")[:MAX_REVISION],
            " ".join(form.get("reason").split())[:MAX_REASON],
        )

    def checked(self) -> WithdrawForm:
        """The form, once it names a document and says why.

        Raises:
            RequestInvalid: no document, or no reason.
        """
        if not self.document:
            raise RequestInvalid("Name the document to withdraw.")
        if not self.reason:
            raise RequestInvalid(
                f"Withdrawing {self.document} needs a reason: every action held "
                "for citing it shows it. Write one and withdraw again."
            )
        return self

    @property
    def hidden(self) -> dict[str, str]:
        """The fields the confirmation posts again."""
        return {
            "document": self.document,
            "revision": self.revision,
            "reason": self.reason,
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
