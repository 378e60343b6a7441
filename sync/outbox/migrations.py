"""Schema of the outbox (``outbox.db``), as an ordered set of migrations.

Tables:

- ``outbox_device``: one row, the device's id, its last sequence number and
  the hash of its last action (the head of the chain), the outbox's own random
  id (the app records it, to know the outbox it finds is the one it made), and
  where its chain starts (an outbox started after a lost one continues the
  numbering).
- ``action_states``: each local state and how many actions are in it (kept by
  triggers, so counting does not scan the actions).
- ``traces``: one row per technician turn; spans as canonical JSON.
  ``journal_seq`` grows with every write of a trace (a new one, or one saved
  again), so the journal sent to the centre resumes from a cursor.
- ``actions``: one row per action, in sequence order. Its content columns are
  append-only (a trigger refuses updates); state columns change with
  ``transitions``. ``request_key`` and ``request_hash`` name the request that
  recorded it (the caller's idempotency key, a hash of the request), set once,
  so a command run again finds the action its first run recorded.
- ``transitions``: every change of state, with when, who and why.
- ``pruned_actions``: what stays of an action removed after the centre
  acknowledged it: its place and hashes in the chain, and its request key.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from sync.chain import GENESIS_HASH
from sync.outbox.states import ActionState

migrations = Migrations("sync_outbox")

_STATE_ROWS = ", ".join(f"('{state}')" for state in ActionState)


@migrations()
def m001_actions_traces_transitions(db: Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE outbox_device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            device_id TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            last_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE action_states (
            state TEXT PRIMARY KEY,
            actions INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO action_states (state) VALUES {_STATE_ROWS};
        CREATE TABLE traces (
            id INTEGER PRIMARY KEY,
            trace_id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            start_ns INTEGER NOT NULL,
            end_ns INTEGER NOT NULL,
            spans TEXT NOT NULL,
            saved_at TEXT NOT NULL
        );
        CREATE TABLE actions (
            seq INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            tool TEXT NOT NULL,
            action_type TEXT NOT NULL,
            payload TEXT NOT NULL,
            payload_hash TEXT NOT NULL,
            decision TEXT NOT NULL,
            confirmation TEXT,
            evidence TEXT NOT NULL,
            trace_id TEXT NOT NULL REFERENCES traces(trace_id),
            created_at TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL,
            state TEXT NOT NULL REFERENCES action_states(state),
            state_reason TEXT NOT NULL DEFAULT '',
            not_before TEXT,
            updated_at TEXT NOT NULL,
            acknowledged_at TEXT
        );
        CREATE INDEX actions_pending ON actions(seq)
            WHERE state IN ('queued', 'awaiting_approval');
        CREATE INDEX actions_state ON actions(state, seq);
        CREATE INDEX actions_trace ON actions(trace_id);
        CREATE TABLE transitions (
            id INTEGER PRIMARY KEY,
            action_key TEXT NOT NULL REFERENCES actions(key) ON DELETE CASCADE,
            from_state TEXT REFERENCES action_states(state),
            to_state TEXT NOT NULL REFERENCES action_states(state),
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX transitions_action ON transitions(action_key, id);
        CREATE TABLE pruned_actions (
            seq INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL,
            pruned_at TEXT NOT NULL
        );
        CREATE TRIGGER actions_content_append_only
        BEFORE UPDATE OF seq, key, tool, action_type, payload, payload_hash,
            decision, confirmation, evidence, trace_id, created_at, prev_hash,
            row_hash ON actions
        BEGIN
            SELECT RAISE(ABORT, 'the content of a queued action never changes');
        END;
        CREATE TRIGGER actions_count_insert AFTER INSERT ON actions BEGIN
            UPDATE action_states SET actions = actions + 1 WHERE state = new.state;
        END;
        CREATE TRIGGER actions_count_update AFTER UPDATE OF state ON actions
        WHEN old.state <> new.state BEGIN
            UPDATE action_states SET actions = actions - 1 WHERE state = old.state;
            UPDATE action_states SET actions = actions + 1 WHERE state = new.state;
        END;
        CREATE TRIGGER actions_count_delete AFTER DELETE ON actions BEGIN
            UPDATE action_states SET actions = actions - 1 WHERE state = old.state;
        END;
        """
    )


@migrations()
def m002_trace_journal(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE traces ADD COLUMN journal_seq INTEGER;
        UPDATE traces SET journal_seq = id;
        CREATE UNIQUE INDEX traces_journal ON traces(journal_seq);
        """
    )


NEW_OUTBOX_ID = "lower(hex(randomblob(16)))"
"""SQL for a new outbox id: 32 random hex digits."""


@migrations()
def m003_outbox_identity_and_request_keys(db: Database) -> None:
    db.executescript(
        f"""
        ALTER TABLE outbox_device ADD COLUMN outbox_id TEXT;
        UPDATE outbox_device SET outbox_id = {NEW_OUTBOX_ID};
        ALTER TABLE outbox_device ADD COLUMN start_seq INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE outbox_device
            ADD COLUMN start_hash TEXT NOT NULL DEFAULT '{GENESIS_HASH}';
        ALTER TABLE actions ADD COLUMN request_key TEXT;
        ALTER TABLE actions ADD COLUMN request_hash TEXT;
        CREATE UNIQUE INDEX actions_request_key ON actions(request_key)
            WHERE request_key IS NOT NULL;
        CREATE INDEX actions_request_hash ON actions(request_hash, seq)
            WHERE request_hash IS NOT NULL;
        ALTER TABLE pruned_actions ADD COLUMN request_key TEXT;
        CREATE UNIQUE INDEX pruned_request_key ON pruned_actions(request_key)
            WHERE request_key IS NOT NULL;
        CREATE TRIGGER actions_request_set_once
        BEFORE UPDATE OF request_key, request_hash ON actions
        WHEN old.request_key IS NOT NULL OR old.request_hash IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'the request of a recorded action never changes');
        END;
        """
    )
