"""``edge-governance``: the supervisors' commands, for ``sync.server.__main__``.

- ``root.py``: the command group and its options.
- ``context.py``: what the commands share (settings, storage, parsing).
- ``signing.py``: development keys and signing a policy bundle (no database).
- ``fleet.py``: the server, devices, jobs, kill switches and deliveries.
- ``review.py``: the review queue, publishing policy and KB, the report.
- ``releases.py``: releases, their history and rolling back.
"""

from __future__ import annotations

from sync.server.cli.context import APP_NAME
from sync.server.cli.root import governance

__all__ = ["APP_NAME", "governance"]
