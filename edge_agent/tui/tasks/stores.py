"""Opening the device's stores from worker threads, one opening at a time.

Each worker opens its own connections (SQLite keeps a connection on the
thread that opened it), but opening also creates what is missing on first use
(the device id, the outbox, the policy's state), which two threads must not
do at once: the lock here covers opening only, never the work that follows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from edge_agent.config import EdgeSettings
from edge_agent.knowledge import open_knowledge
from edge_agent.session import Session
from knowledge_cache import KnowledgeStore

_OPENING = threading.Lock()


@contextmanager
def session(settings: EdgeSettings) -> Iterator[Session]:
    """A :class:`~edge_agent.session.Session` for this thread, closed after."""
    with _OPENING:
        opened = Session(settings)
    with opened:
        yield opened


@contextmanager
def knowledge(settings: EdgeSettings) -> Iterator[KnowledgeStore]:
    """The knowledge base for this thread, closed after."""
    with _OPENING:
        store = open_knowledge(settings)
    with store:
        yield store
