"""What the chat says around the answers: the welcome line, the offer of the
last conversation, the progress line and the hints."""

from __future__ import annotations

from datetime import datetime, timedelta

from edge_agent.answer.values import AnswerEvent
from edge_agent.conversations import Conversation, shortened_title
from edge_agent.tui.status import StatusSnapshot

PLACEHOLDER = "A fault code, a part number or a question; /do … proposes an action"
WELCOME = (
    "Type a fault code (E-42), a part number or a question and press Enter. "
    "'/do order two gaskets 4471-G10-131' asks for an action. Esc or ctrl+c "
    "stops an answer; Tab or ctrl+o reaches its sources."
)
SOURCES_HINT = "Sources: ↑/↓ choose, Enter opens, Esc goes back to the question."
EMPTY_KB = (
    "The knowledge base is empty: load documents with 'edge-agent kb ingest "
    "PATH', or the demo fleet with 'edge-agent demo'."
)
BUSY = (
    "An answer or an action is still under way: let it finish first (Esc "
    "stops an answer; a card waits for Review, Keep for later or Discard)."
)
GONE = (
    "That conversation is no longer kept (pruned meanwhile, or by another "
    "copy of the app); ctrl+r lists the ones that are."
)
REOPENED_TITLE = 24
"""Longest title in the progress line of a reopened conversation."""
NEW_CONVERSATION = "New conversation: it starts with your next question."


def welcome_text(status: StatusSnapshot | None, kept: str = "") -> str:
    """The first lines of the chat: whether the centre is in reach, as the
    status bar says it (from the same reading), then how to begin, then what
    is kept of earlier conversations (``kept``)."""
    if status is None:
        text = f"Field assistant. {WELCOME}"
    else:
        connection = "online" if status.online else "offline"
        rest = EMPTY_KB if status.kb_documents == 0 else WELCOME
        text = f"Field assistant, {connection}. {rest}"
    return f"{text}\n{kept}" if kept else text


def when_label(moment: datetime, now: datetime) -> str:
    """``today 14:02``, ``yesterday 09:10``, ``3 Mar 14:02``, ``3 Mar 2025``
    in the device's local time."""
    local, today = moment.astimezone(), now.astimezone().date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today {clock}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    day = f"{local.day} {local.strftime('%b')}"
    return f"{day} {clock}" if local.year == today.year else f"{day} {local.year}"


def turns_label(count: int) -> str:
    """``1 turn``, ``3 turns``."""
    return f"{count} turn{'' if count == 1 else 's'}"


def last_conversation_text(conversation: Conversation, now: datetime) -> str:
    """The welcome's offer of the last conversation."""
    when = when_label(conversation.last_activity_at, now)
    turns = turns_label(conversation.turn_count)
    return (
        f"Last conversation: “{conversation.title}” ({when}, {turns}); "
        "ctrl+r then Enter reopens it."
    )


def reopened_text(conversation: Conversation, turns: int) -> str:
    """The progress line once a conversation is reopened (one line at 80
    columns: a long title is shortened)."""
    title = shortened_title(conversation.title, REOPENED_TITLE)
    return f"Reopened “{title}”, {turns_label(turns)}: the next question goes on in it."


def progress_text(event: AnswerEvent, kept: int, dropped: int) -> str | None:
    """The progress line for a streamed event, or ``None`` to leave it."""
    if event.kind == "progress":
        return f"… {event.text}"
    if event.kind == "fact":
        return "… quoting the knowledge base"
    if event.kind in ("model_sentence", "dropped"):
        return f"… generating, checking grounding: {kept} kept, {dropped} dropped"
    return None
