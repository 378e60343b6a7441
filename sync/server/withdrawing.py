"""Withdrawing knowledge: a whole document, or one revision of it.

A supervisor withdraws a **document** that must no longer be used (a manual
for equipment the fleet no longer has, a bulletin found wrong): the centre
publishes the next KB version without it, so devices drop it from search at
their next sync and keep answering from the rest, and records why. An action
that cites the document is held for review at push (see
:mod:`sync.server.kb_check`).

A supervisor withdraws a **revision** when a document was corrected and what
the old text said must not be acted on (a wrong torque figure): devices
already have the corrected revision from the KB version that brought it, and
an action whose data-age record cites the old revision is held for review
with the reason named. The revision in use now cannot be withdrawn alone:
publish the correction first, or withdraw the document.

A revision is named by the first hex digits (at least six) of the SHA-256 of
the document's content, as devices record it (12 digits).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from sync.protocol import KbDelta
from sync.server.centre_keys import CentreKeys
from sync.server.errors import PublishRefused
from sync.server.publishing import store_kb
from sync.server.records import Clock
from sync.server.storage import Storage, fleet
from sync.server.storage.audit import record_event
from sync.server.storage.kb_withdrawals import (
    StoredWithdrawal,
    add_withdrawal,
    withdrawals,
)

REVISION_DIGITS = 12
"""Hex digits of a revision, as devices record it."""

MIN_REVISION_DIGITS = 6
"""The fewest digits a supervisor may type to name a revision."""


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """What a withdrawal did.

    Attributes:
        document: The document.
        revision: The revision withdrawn, or ``None`` for the whole document.
        kb_version: The KB version published without the document (a whole
            document), or ``None``.
        first_seen: The KB version that brought the revision withdrawn.
    """

    document: str
    revision: str | None
    kb_version: int | None
    first_seen: int | None = None


@dataclass(frozen=True, slots=True)
class Preview:
    """What a withdrawal would do, as a confirmation shows it.

    Attributes:
        document: The document.
        revision: The revision it would withdraw (all its digits), or
            ``None`` for the whole document.
        kb_version: The newest KB version now.
        documents: The documents the next KB version keeps (a whole
            document), or the newest version holds (a revision).
        first_seen: The KB version that brought the revision.
    """

    document: str
    revision: str | None
    kb_version: int
    documents: int
    first_seen: int | None = None


class Withdrawer:
    """Withdraws documents and revisions for supervisors.

    Args:
        storage: The service's storage.
        keys: The centre's keys: a KB version without the document is signed
            with the active one.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, keys: CentreKeys, *, clock: Clock) -> None:
        self._storage = storage
        self._keys = keys
        self._clock = clock

    def withdraw_document(self, document: str, *, reason: str, actor: str) -> Withdrawn:
        """Publish the next KB version without ``document``.

        Raises:
            PublishRefused: no reason given, no KB published, the newest KB
                does not hold the document, or it is the KB's only document.
        """
        reason = _reason(reason)
        now = self._clock()
        key = self._keys.signing_key()
        with self._storage.write() as connection:
            kept = _kept_without(connection, document)
            version = store_kb(connection, key, kept, at=now, actor=actor)
            withdrawn = Withdrawn(document, None, version)
            _record(connection, withdrawn, reason=reason, at=now, actor=actor)
        return withdrawn

    def withdraw_revision(
        self, document: str, revision: str, *, reason: str, actor: str
    ) -> Withdrawn:
        """Record that ``revision`` of ``document`` must no longer be acted on.

        Raises:
            PublishRefused: no reason, a revision too short or not hex, no
                published version ever held it (or the digits fit several),
                it is the revision in use now, or it was withdrawn already.
        """
        reason = _reason(reason)
        typed = _typed_revision(revision)
        now = self._clock()
        with self._storage.write() as connection:
            found, first_seen = _withdrawable_revision(connection, document, typed)
            withdrawn = Withdrawn(document, found, None, first_seen)
            _record(connection, withdrawn, reason=reason, at=now, actor=actor)
        return withdrawn

    def preview_document(self, document: str, *, reason: str) -> Preview:
        """What :meth:`withdraw_document` would do now, doing nothing.

        Raises:
            PublishRefused: as :meth:`withdraw_document` would.
        """
        _reason(reason)
        with self._storage.read() as connection:
            kept = _kept_without(connection, document)
            latest = fleet.latest_kb_version(connection)
        return Preview(document, None, latest, len(kept))

    def preview_revision(self, document: str, revision: str, *, reason: str) -> Preview:
        """What :meth:`withdraw_revision` would do now, doing nothing.

        Raises:
            PublishRefused: as :meth:`withdraw_revision` would.
        """
        _reason(reason)
        typed = _typed_revision(revision)
        with self._storage.read() as connection:
            found, first_seen = _withdrawable_revision(connection, document, typed)
            latest = fleet.latest_kb_version(connection)
            held = len(_newest_files(connection))
        return Preview(document, found, latest, held, first_seen)

    def withdrawals(self) -> list[StoredWithdrawal]:
        """Every withdrawal, oldest first."""
        with self._storage.read() as connection:
            return withdrawals(connection)


def _record(
    connection: Connection,
    withdrawn: Withdrawn,
    *,
    reason: str,
    at: datetime,
    actor: str,
) -> None:
    """Keep the withdrawal with its reason, and say it in the audit log."""
    add_withdrawal(
        connection,
        document=withdrawn.document,
        revision=withdrawn.revision,
        kb_version=withdrawn.kb_version,
        reason=reason,
        at=at,
        actor=actor,
    )
    what = "revision" if withdrawn.revision else "document"
    detail = {
        "document": withdrawn.document,
        "revision": withdrawn.revision,
        "version": withdrawn.kb_version,
        "reason": reason,
    }
    record_event(
        connection,
        at=at,
        actor=actor,
        event=f"kb_{what}_withdrawn",
        detail={k: v for k, v in detail.items() if v is not None},
    )


def _kept_without(connection: Connection, document: str) -> dict[str, str]:
    """The newest KB's documents but ``document``, which it must hold among
    others."""
    files = _newest_files(connection)
    if document not in files:
        raise PublishRefused(_not_held(document, connection, files))
    if len(files) == 1:
        raise PublishRefused(
            f"{document} is the only document of the knowledge base; "
            "publish the KB that replaces it instead."
        )
    return {name: data for name, data in files.items() if name != document}


def _typed_revision(revision: str) -> str:
    typed = revision.strip().lower()
    if len(typed) < MIN_REVISION_DIGITS or not _is_hex(typed):
        raise PublishRefused(
            f"{revision!r} is not a revision: give at least "
            f"{MIN_REVISION_DIGITS} hex digits of it, as `edge-governance kb "
            "withdrawals` or the action's data-age record shows them."
        )
    return typed


def _withdrawable_revision(
    connection: Connection, document: str, typed: str
) -> tuple[str, int]:
    """The one old revision of ``document`` that ``typed`` names, not in use
    nor withdrawn, with the first KB version that held it."""
    history = revisions_of(connection, document)
    matching = sorted({rev for rev in history if rev.startswith(typed)})
    if not matching:
        known = ", ".join(sorted(history)) or "none"
        raise PublishRefused(
            f"No published KB version held revision {typed} of {document} "
            f"(its revisions: {known})."
        )
    if len(matching) > 1:
        raise PublishRefused(
            f"{typed} fits several revisions of {document} "
            f"({', '.join(matching)}); give more digits."
        )
    (found,) = matching
    current = revision_of(_newest_files(connection).get(document))
    if current == found:
        raise PublishRefused(
            f"Revision {found} is the one of {document} in use now; "
            "publish the corrected document first, or withdraw the whole "
            "document (without --revision)."
        )
    if any(
        w.document == document and w.revision == found for w in withdrawals(connection)
    ):
        raise PublishRefused(f"Revision {found} of {document} is withdrawn already.")
    return found, history[found]


def revisions_of(connection: Connection, document: str) -> dict[str, int]:
    """Each revision ``document`` had in a published KB version, with the
    first version that held it."""
    found: dict[str, int] = {}
    for change in fleet.kb_changes(connection):
        version = int(change["version"])
        text = change["delta"]
        if text is None:
            stored = fleet.kb_version(connection, version)
            text = stored["snapshot"] if stored else None
        if text is None:
            continue
        files = KbDelta.model_validate_json(text).files
        revision = revision_of(files.get(document))
        if revision is not None:
            found.setdefault(revision, version)
    return found


def _newest_files(connection: Connection) -> dict[str, str]:
    latest = fleet.latest_kb_version(connection)
    stored = fleet.kb_version(connection, latest) if latest else None
    if stored is None:
        raise PublishRefused(
            "The centre has published no knowledge base, so there is nothing to "
            "withdraw (edge-governance kb publish PATH)."
        )
    return dict(KbDelta.model_validate_json(stored["snapshot"]).files)


def _not_held(document: str, connection: Connection, files: dict[str, Any]) -> str:
    latest = fleet.latest_kb_version(connection)
    names = ", ".join(sorted(files)[:12]) + (" ..." if len(files) > 12 else "")
    return (
        f"KB v{latest} holds no document {document} (its documents: {names}); "
        "name it as `edge-governance kb publish` stored it, folder included."
    )


def revision_of(encoded: str | None) -> str | None:
    """The revision of a document's content as a KB version stores it
    (base64), as devices record it; ``None`` for none or unreadable."""
    if encoded is None:
        return None
    try:
        data = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return hashlib.sha256(data).hexdigest()[:REVISION_DIGITS]


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise PublishRefused(
            "Say why with --reason: devices' actions held for citing it show it."
        )
    return reason


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)
