"""Process exit codes of the ``edge-agent`` command, documented in the README."""

from __future__ import annotations

OK = 0
"""The command did what was asked."""

FAILURE = 1
"""The command failed; the message on stderr says why and what to do."""

CONFIG = 2
"""Start-up failed: bad settings, an unusable home directory or a usage error."""

UPDATE_REFUSED = 3
"""``sync`` reached the centre, but the device refused an update it sent (a
policy bundle or a KB snapshot): the previous one stays in force; the message
says why."""

DAMAGED = 4
"""A file the device keeps is damaged or gone: the outbox the device made is
missing, empty, damaged, another one or an older copy, or the knowledge base
is damaged (``kb check`` exits 4 when it finds damage). Nothing was
overwritten; the message says how to restore it."""
