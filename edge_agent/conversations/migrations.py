"""Schema of the chat's history (``conversations.db``), as ordered migrations.

Tables:

- ``conversations``: one row per conversation: when it started, its last
  activity, its title (the first question, shortened), the technician and the
  job in the chat's context when it started.
- ``turns``: its questions and action requests in the order asked, each with
  how it ended, the trace of the turn and, as JSON in ``body``, the answer or
  action card as shown; ``format`` says which version of that JSON it is
  (see :mod:`edge_agent.conversations.encoding`). Deleting a conversation
  deletes its turns.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("edge_conversations")


@migrations()
def m001_conversations_and_turns(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            last_activity_at TEXT NOT NULL,
            title TEXT NOT NULL,
            technician_id TEXT NOT NULL,
            job_id TEXT
        );
        CREATE INDEX conversations_by_activity
            ON conversations (last_activity_at);
        CREATE TABLE turns (
            conversation_id TEXT NOT NULL
                REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL CHECK (seq > 0),
            kind TEXT NOT NULL CHECK (kind IN ('question', 'action')),
            text TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            state TEXT NOT NULL,
            trace_id TEXT,
            format INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        );
        """
    )
