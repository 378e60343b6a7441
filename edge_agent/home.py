"""The device's home directory: every file and folder the app keeps there.

One place names them all; the rest of the app asks :class:`HomeLayout` for a
path and never spells a file name of its own. Nothing is created here: each
owner creates its file on first use. The README's table of the home lists the
same entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["HomeLayout"]


@dataclass(frozen=True, slots=True)
class HomeLayout:
    """The paths under one home directory (``EDGE_AGENT_HOME`` or ``--home``)."""

    root: Path

    @property
    def config_file(self) -> Path:
        """Settings (TOML), below flags and ``EDGE_AGENT_*`` variables."""
        return self.root / "config.toml"

    @property
    def knowledge_db(self) -> Path:
        """The knowledge base (SQLite, FTS5)."""
        return self.root / "knowledge.db"

    @property
    def knowledge_record(self) -> Path:
        """That this home has had a knowledge base with documents, and since
        when: a lost or emptied ``knowledge.db`` is then damage, not new."""
        return self.root / "knowledge.json"

    @property
    def knowledge_rebuild(self) -> Path:
        """A new knowledge base being built by a sync to replace a damaged one."""
        return self.root / "knowledge.db.new"

    @property
    def knowledge_set_aside(self) -> Path:
        """A damaged knowledge base a sync replaced, kept for support (later
        ones get ``-2``, ``-3`` ...)."""
        return self.root / "knowledge.db.damaged"

    @property
    def outbox_db(self) -> Path:
        """Queued actions, their decisions and every turn's trace (SQLite)."""
        return self.root / "outbox.db"

    @property
    def conversations_db(self) -> Path:
        """The chat's conversations, kept on the device only (SQLite)."""
        return self.root / "conversations.db"

    @property
    def jobs_file(self) -> Path:
        """The assigned jobs and assets from the last sync."""
        return self.root / "jobs.json"

    @property
    def device_file(self) -> Path:
        """This device's id (and the id it had before a re-enrolment), the
        outbox it made (its id and last action) and every knowing reset of it."""
        return self.root / "device.json"

    @property
    def credentials_file(self) -> Path:
        """The centre's address, this device's secret and the centre's pinned
        TLS certificate, from enrolment."""
        return self.root / "credentials.json"

    @property
    def evaluation_suites(self) -> Path:
        """Evaluation suites fetched from the centre, one folder per version
        (``evaluation/suites/<version>/``), each complete or absent."""
        return self.root / "evaluation" / "suites"

    @property
    def centre_keys_file(self) -> Path:
        """The centre's key set this device trusts, from enrolment and syncs."""
        return self.root / "centre-keys.json"

    @property
    def release_file(self) -> Path:
        """The release this device runs by: the centre's signed manifest
        (the model files it may load, the versions it is made of)."""
        return self.root / "release.json"

    @property
    def model_hashes_file(self) -> Path:
        """The SHA-256 of model files, remembered per path, size and time."""
        return self.root / "model-hashes.json"

    @property
    def sync_state_file(self) -> Path:
        """What the device remembers between syncs: cursors, kill switch."""
        return self.root / "sync_state.json"

    @property
    def sync_state_set_aside(self) -> Path:
        """A damaged sync state a sync started afresh from, kept for support."""
        return self.root / "sync_state.json.damaged"

    @property
    def withdrawn_file(self) -> Path:
        """Documents the centre withdrew from the KB, learned at sync."""
        return self.root / "withdrawn.json"

    @property
    def withdrawn_set_aside(self) -> Path:
        """A damaged list of withdrawn documents, kept for support."""
        return self.root / "withdrawn.json.damaged"

    @property
    def sync_lock(self) -> Path:
        """Held while a sync runs, so two never run at once."""
        return self.root / "sync.lock"

    @property
    def policy_dir(self) -> Path:
        """The active signed policy bundle and the device's high-water time."""
        return self.root / "policy"

    @property
    def cache_dir(self) -> Path:
        """Copies the app can make again at any time (the OCR engine's parsed
        model table): deleting the folder loses nothing but a little time."""
        return self.root / "cache"

    @property
    def logs_dir(self) -> Path:
        """Log files: tracebacks and diagnostics, never shown to the user."""
        return self.root / "logs"

    @property
    def log_file(self) -> Path:
        """The app's log file."""
        return self.logs_dir / "edge-agent.log"
