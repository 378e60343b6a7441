"""The centre's current knowledge base, as pushes are checked against it.

The newest published KB version gives the parts catalogue
(:mod:`sync.server.parts_catalogue`); the versions before it say which
documents were withdrawn and when: a document that a version had and the
next version published without is withdrawn from that next version on,
until a later version brings it back. The withdrawals supervisors recorded
(:mod:`sync.server.withdrawing`) give their reasons, and the revisions
withdrawn on their own. Stored KB versions were authenticated when they were
published, so this reads them without the signing key. The result is worked
out once per newest version and withdrawal, and cached.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from sync.protocol import KbDelta
from sync.server.kb_check import KbNow, Withdrawal
from sync.server.parts_catalogue import read_catalogue
from sync.server.storage import fleet
from sync.server.storage.kb_withdrawals import last_withdrawal
from sync.server.storage.kb_withdrawals import withdrawals as stored_withdrawals


class KbCache:
    """Works out the centre's current KB once per version; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = KbNow()
        self._mark = (0, 0)

    def current(self, connection: Connection) -> KbNow:
        """The KB the centre publishes now (version 0: none published)."""
        mark = (fleet.latest_kb_version(connection), last_withdrawal(connection))
        with self._lock:
            cached, cached_mark = self._current, self._mark
        if cached_mark == mark:
            return cached
        now = kb_now(connection, mark[0])
        with self._lock:
            self._current, self._mark = now, mark
        return now


def kb_now(connection: Connection, version: int) -> KbNow:
    """The KB of ``version`` (the newest) with what was withdrawn before it."""
    stored = fleet.kb_version(connection, version) if version else None
    if stored is None:
        return KbNow()
    snapshot = KbDelta.model_validate_json(stored["snapshot"])
    recorded = stored_withdrawals(connection)
    reasons = {(w.document, w.kb_version): w.reason for w in recorded if not w.revision}
    by_version = withdrawals(fleet.kb_changes(connection), held=set(snapshot.files))
    return KbNow(
        version,
        read_catalogue(_decoded(snapshot.files)),
        {
            document: replace(w, reason=reasons.get((document, w.version), ""))
            for document, w in by_version.items()
        },
        {
            (w.document, w.revision): Withdrawal(0, w.withdrawn_at, w.reason)
            for w in recorded
            if w.revision
        },
    )


def withdrawals(
    changes: list[Mapping[str, Any]], *, held: set[str]
) -> dict[str, Withdrawal]:
    """Documents withdrawn along ``changes`` (oldest first, each with its
    ``delta``) and not in ``held``, the newest version's documents."""
    withdrawn: dict[str, Withdrawal] = {}
    for change in changes:
        if change["delta"] is None:
            continue
        delta = KbDelta.model_validate_json(change["delta"])
        at = change["published_at"]
        for document in delta.removed:
            withdrawn.setdefault(
                document,
                Withdrawal(delta.version, at if isinstance(at, datetime) else None),
            )
        for document in delta.files:
            withdrawn.pop(document, None)
    return {doc: w for doc, w in withdrawn.items() if doc not in held}


def _decoded(files: Mapping[str, str]) -> dict[str, bytes]:
    decoded: dict[str, bytes] = {}
    for name, text in files.items():
        try:
            decoded[name] = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            continue
    return decoded
