"""Attacks on bundles, each a family of many instances: all rejected, for cause."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies import BundleRejected, TrustedKeys, verify_bundle
from tests.policies.tampering import (
    ACTIVE_VERSION,
    ATTACK_NAMES,
    INTEGRITY,
    NOW,
    Kit,
    attacks,
    flip_byte,
    same_document,
)


@pytest.mark.parametrize("attack", ATTACK_NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_instance_of_an_attack_is_rejected(
    kit: Kit, trusted: TrustedKeys, attack: str, data: st.DataObject
) -> None:
    strategy, reasons = attacks(kit)[attack]
    tampered = data.draw(strategy, label=attack)
    with pytest.raises(BundleRejected) as info:
        verify_bundle(tampered, trusted, active_version=ACTIVE_VERSION, now=NOW)
    assert info.value.reason in reasons
    assert info.value.message


def test_every_single_bit_flip_anywhere_is_rejected(
    kit: Kit, trusted: TrustedKeys
) -> None:
    good = kit.candidate
    rejected = 0
    for position in range(len(good)):
        tampered = flip_byte(good, position, 1 << (position % 8))
        if same_document(tampered, good):
            continue
        with pytest.raises(BundleRejected) as info:
            verify_bundle(tampered, trusted, active_version=ACTIVE_VERSION, now=NOW)
        assert info.value.reason in INTEGRITY
        rejected += 1
    assert rejected == len(good)


def test_the_untampered_candidate_is_accepted(kit: Kit, trusted: TrustedKeys) -> None:
    bundle = verify_bundle(
        kit.candidate, trusted, active_version=ACTIVE_VERSION, now=NOW
    )
    assert bundle.version == ACTIVE_VERSION + 1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"null",
        b"[]",
        b'"bundle"',
        b"\xef\xbb\xbf{}",
        b"{" * 100_000,
        b'{"manifest": {}, "manifest": {}}',
        b"x" * (4 * 1024 * 1024 + 1),
    ],
)
def test_garbage_is_malformed_not_a_crash(trusted: TrustedKeys, data: bytes) -> None:
    with pytest.raises(BundleRejected):
        verify_bundle(data, trusted, active_version=0, now=NOW)


def test_lone_surrogates_in_signed_parts_are_rejected_cleanly(
    kit: Kit, trusted: TrustedKeys
) -> None:
    text = kit.candidate.decode("utf-8")
    forged = text.replace(
        '"min_client_version":"0.1.0"', '"min_client_version":"\\ud800"'
    )
    edited = text.replace("# The tools", "\\ud800 The tools", 1)
    for data in (forged, edited):
        with pytest.raises(BundleRejected):
            verify_bundle(data.encode(), trusted, active_version=0, now=NOW)
