"""Sending the device's journal: every turn and decision no push carries.

After the actions are pushed and the results pulled, the device sends what
its outbox recorded since the cursor the centre last confirmed, in bounded
batches: questions answered, photos read, codes corrected, and proposals
denied, cancelled or still waiting for the technician (a pushed action
brings its own trace and decision). Each entry carries its place; the
centre stores it once (a trace saved again replaces the one it holds) and
answers with the highest place it holds, which becomes the cursor. A lost
reply or a killed process means the batch is sent again, which changes
nothing at the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.client import SyncClient
from sync.errors import SyncError
from sync.outbox import Outbox
from sync.outbox.models import JournalItem
from sync.outbox.rows import format_time
from sync.protocol import (
    MAX_BATCH_BYTES,
    MAX_JOURNAL_ENTRIES,
    JournalEntry,
    JournalRequest,
    WireDecision,
    WireTrace,
)

BATCH_ENTRIES = MAX_JOURNAL_ENTRIES


@dataclass(frozen=True, slots=True)
class JournalOutcome:
    """How far the journal got.

    Attributes:
        cursor: The highest place the centre holds (the next sync resumes
            after it).
        sent: Entries sent in this sync.
        stopped: Why it stopped before the end, if it did.
    """

    cursor: int
    sent: int
    stopped: str | None = None


def send_journal(
    outbox: Outbox,
    client: SyncClient,
    *,
    cursor: int,
    batch: int = BATCH_ENTRIES,
    max_bytes: int = MAX_BATCH_BYTES,
) -> JournalOutcome:
    """Send every entry after ``cursor``; stop at the first failure.

    Never raises for the centre's failures: they end the journal for this
    sync with ``stopped`` saying why, and nothing recorded is lost.
    """
    batch = max(1, min(batch, MAX_JOURNAL_ENTRIES))
    sent = 0
    while True:
        page = outbox.journal_after(cursor, batch)
        if not page.items:
            if page.through <= cursor:
                return JournalOutcome(cursor, sent)
            cursor = page.through  # only turns a push carried: nothing to send
            continue
        request = _fitting(list(page.items), max_bytes)
        try:
            reply = client.journal(request)
        except SyncError as exc:
            return JournalOutcome(cursor, sent, exc.message)
        last = request.entries[-1].place
        if reply.stored_through < last:
            why = f"the centre holds the journal up to {reply.stored_through} only"
            return JournalOutcome(max(cursor, reply.stored_through), sent, why)
        whole = len(request.entries) == len(page.items)
        cursor = page.through if whole else last
        sent += len(request.entries)


def journal_entry(item: JournalItem) -> JournalEntry:
    """One outbox turn as the wire carries it."""
    return JournalEntry(
        place=item.place,
        trace=WireTrace(**item.trace.as_dict()),
        saved_at=format_time(item.trace.saved_at),
        decisions=[
            WireDecision(
                key=action.key,
                seq=action.seq,
                tool=action.tool,
                state=str(action.state),
                payload=dict(action.payload),
                decision=dict(action.decision),
                created_at=format_time(action.created_at),
            )
            for action in item.actions
        ],
    )


def _fitting(items: list[JournalItem], max_bytes: int) -> JournalRequest:
    """The longest leading run of ``items`` whose request fits ``max_bytes``
    (at least one: the centre says so if a single turn is too large)."""
    entries = [journal_entry(item) for item in items]
    sizes = [len(entry.model_dump_json()) + 1 for entry in entries]
    if sizes[0] + 16 > max_bytes:
        return JournalRequest(entries=[_trimmed(entries[0], sizes[0])])
    total, count = 16, 0  # the request's own braces and key
    for size in sizes:
        if total + size > max_bytes:
            break
        total, count = total + size, count + 1
    return JournalRequest(entries=entries[:count])


def _trimmed(entry: JournalEntry, size: int) -> JournalEntry:
    """A turn too large to send whole: its decisions, and its trace without
    its steps, saying so (the whole trace stays on the device)."""
    note = {
        "span_id": "trimmed",
        "parent_id": None,
        "name": "trace too large to send",
        "start_ns": entry.trace.start_ns,
        "end_ns": entry.trace.end_ns,
        "attributes": {"edge.trace.bytes": size},
        "error": None,
    }
    trace = entry.trace.model_copy(update={"spans": [note]})
    return entry.model_copy(update={"trace": trace})
