"""Fixtures for the policy tests."""

from __future__ import annotations

import pytest

from policies import Policy, TrustedKeys, load_policy_dir
from policies.defaults import SOURCE_DIR
from tests.policies.tampering import Kit, make_kit


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    """The shipped default policy, compiled once.

    Why session-wide: it is immutable, and the property tests call it thousands
    of times.
    """
    return load_policy_dir(SOURCE_DIR)


@pytest.fixture(scope="session")
def kit() -> Kit:
    """A trusted test key and valid bundles to attack.

    Why session-wide: signing compiles the policy, and hypothesis runs many
    examples per test; the kit is immutable.
    """
    return make_kit()


@pytest.fixture(scope="session")
def trusted(kit: Kit) -> TrustedKeys:
    """The keys a device in these tests trusts: only the kit's key."""
    return TrustedKeys.of(kit.key.public_key)
