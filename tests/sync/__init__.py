"""Tests of the sync package: the outbox and the governance command line."""
