"""The service's storage: SQLAlchemy Core on SQLite (default) or PostgreSQL.

- ``store.py``: :class:`Storage`, the one data-access layer (engine,
  transactions, applying migrations) and the dialect helpers the SQL modules
  share; ``migrations.py``: the schema version and its migration steps.
- ``schema.py``: the tables, defined by what they hold in
  ``device_tables.py``, ``field_tables.py``, ``publication_tables.py``,
  ``release_tables.py`` and ``console_tables.py`` on the one metadata and
  column types of ``columns.py``.
- The SQL of each concern, as functions on a connection: ``devices.py``
  (devices, enrolment tokens, nonces), ``actions.py`` (pushed actions, results,
  chain links, traces), ``review.py`` (the review queue), ``fleet.py`` (policy
  bundles, KB versions, job books, kill switches), ``releases.py`` (releases
  and which one each device runs), ``deliveries.py`` (handing applied
  actions on), ``audit.py`` (the audit log), ``figures.py`` (queue depths
  and the rows of the reconciliation report), ``fleet_listing.py`` (the
  fleet a page at a time) and ``device_history.py`` (a device's actions,
  decisions and turns in keyset pages).
"""

from __future__ import annotations

from sync.server.storage.migrations import SCHEMA_VERSION
from sync.server.storage.store import Storage

__all__ = ["SCHEMA_VERSION", "Storage"]
