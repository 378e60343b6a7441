"""Tests of the outbox (sync.outbox)."""
