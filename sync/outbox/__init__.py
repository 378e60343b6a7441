"""The device's durable outbox: proposed actions and turn traces in ``outbox.db``.

- ``store.py``: :class:`Outbox`, reads and writes on one SQLite database.
- ``reads.py``: the queries.
- ``reader.py``: :class:`OutboxReader`, the read-only face over those queries.
- ``writes.py``: the writes, each inside the caller's transaction.
- ``encoding.py``: what the app hands in, checked and encoded before a write.
- ``rows.py``: how values are stored (times, JSON columns) and read back.
- ``models.py``: the values read back, the clock and the id source.
- ``states.py``: an action's local states and the moves between them.
- ``db.py``: opening the file (pragmas, migrations, damaged files).
- ``migrations.py``: the schema, as an ordered set of migrations.

Only the device uses it: the central service never imports this package. The
values and states are exported by :mod:`sync`.
"""

from __future__ import annotations

from sync.outbox.reader import OutboxReader
from sync.outbox.store import Outbox

__all__ = ["Outbox", "OutboxReader"]
