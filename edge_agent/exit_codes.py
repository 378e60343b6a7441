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

CONFIRM_AT_PROMPT = 4
"""The policy asks for the technician's confirmation at a prompt that shows the
action, which ``--yes`` cannot give: ``actions create``/``do`` keep the action
for later, ``actions confirm`` leaves it waiting. Confirm it in the app or
with ``edge-agent actions confirm N`` on a terminal."""

DAMAGED = 5
"""A file the device keeps is damaged or gone: the outbox the device made is
missing, empty, damaged, another one or an older copy, the knowledge base
is damaged (``kb check`` exits 5 when it finds damage), ``device.json`` is
missing from a home that had one, or the centre's key set is damaged
(``sync``, ``policy show``). Nothing was overwritten; the message says how
to restore it."""

SUITE_INVALID = 6
"""``eval``: the evaluation suite cannot be used (a file missing or malformed,
a case incomplete or contradictory); the message names the file and the case."""

CANDIDATE_INVALID = 7
"""``eval``: the candidate release cannot be evaluated (a knowledge base that
cannot be read or ingested, a policy bundle that does not verify, a model file
that is missing or does not load); the message says which and why."""
