"""The chat's conversations, kept on the device (``conversations.db``).

A conversation starts with its first question; its turns (questions and
action requests) are kept in the order asked, each with the answer or action
card as it was shown, so the terminal app can list the conversations, open
one after a restart and draw it again. Nothing here imports Textual.
"""

from edge_agent.conversations.store import ConversationStore
from edge_agent.conversations.values import (
    ActionOutcome,
    Conversation,
    Retention,
    Turn,
    TurnKind,
    TurnState,
    shortened_title,
)

__all__ = [
    "ActionOutcome",
    "Conversation",
    "ConversationStore",
    "Retention",
    "Turn",
    "TurnKind",
    "TurnState",
    "shortened_title",
]
