"""Tests of the sync package: the client and the sync run here, the outbox in
``outbox/``, the central service in ``server/``."""
