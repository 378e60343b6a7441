"""Signed bundles: format, signing, verification, keys, the shipped demo bundle."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from policies import (
    MAX_CLOCK_SKEW,
    BundleRejected,
    PolicyError,
    PublicKey,
    RejectReason,
    TrustedKeys,
    authenticate_bundle,
    read_policy_sources,
    read_public_key,
    read_trusted_keys,
    verify_bundle,
)
from policies.bundle import client_satisfies
from policies.defaults import (
    DEMO_BUNDLE,
    DEMO_EXPIRES_AT,
    DEMO_KEY_ID,
    DEMO_VERSION,
    KEYS_DIR,
    SOURCE_DIR,
)
from policies.encoding import canonical_json, decode_base64, encode_base64, file_digest
from policies.signing import (
    build_bundle,
    generate_signing_key,
    read_signing_key,
    write_key_pair,
)
from tests.conftest import REPO_ROOT
from tests.policies.tampering import ACTIVE_VERSION, NOW, Kit, document, sign


def test_bundle_document_holds_manifest_files_and_signature(kit: Kit) -> None:
    doc = document(kit.candidate)
    assert set(doc) == {"manifest", "files", "signature"}
    manifest = doc["manifest"]
    assert manifest["format"] == "edge-policy-bundle/1"
    assert manifest["version"] == ACTIVE_VERSION + 1
    assert manifest["key_id"] == "test-key"
    assert manifest["min_client_version"] == "0.1.0"
    assert manifest["issued_at"] == "2027-02-28T12:00:00Z"
    assert manifest["expires_at"] == "2027-05-30T12:00:00Z"
    assert set(manifest["files"]) == set(doc["files"]) == set(kit.sources)
    assert all(digest.startswith("sha256:") for digest in manifest["files"].values())


def test_signature_is_ed25519_over_the_canonical_manifest(kit: Kit) -> None:
    doc = document(kit.candidate)
    message = json.dumps(doc["manifest"], sort_keys=True, separators=(",", ":"))
    signature = decode_base64(doc["signature"], length=64)
    assert signature is not None
    public = Ed25519PublicKey.from_public_bytes(kit.key.public_key.raw)
    public.verify(signature, message.encode("utf-8"))


def test_document_is_canonical_json(kit: Kit) -> None:
    assert canonical_json(document(kit.candidate)) == kit.candidate


def test_verified_bundle_compiles_its_policy_with_the_version(
    kit: Kit, trusted: TrustedKeys
) -> None:
    bundle = verify_bundle(
        kit.candidate, trusted, active_version=ACTIVE_VERSION, now=NOW
    )
    assert bundle.version == ACTIVE_VERSION + 1
    assert bundle.policy.version == ACTIVE_VERSION + 1
    assert dict(bundle.files) == kit.sources
    assert bundle.encode() == kit.candidate


def test_first_bundle_is_accepted_with_no_active_version(
    kit: Kit, trusted: TrustedKeys
) -> None:
    assert verify_bundle(kit.active, trusted, active_version=0, now=NOW).version == 10


def test_a_bundle_is_expired_from_its_expiry_second_on(
    kit: Kit, trusted: TrustedKeys
) -> None:
    expiry = NOW + timedelta(days=90)
    just_before = expiry - timedelta(microseconds=1)
    assert verify_bundle(kit.candidate, trusted, active_version=0, now=just_before)
    with pytest.raises(BundleRejected) as info:
        verify_bundle(kit.candidate, trusted, active_version=0, now=expiry)
    assert info.value.reason is RejectReason.EXPIRED
    assert "2027-05-30T12:00:00Z" in info.value.message


def test_a_bundle_issued_up_to_the_clock_skew_ahead_is_accepted(
    kit: Kit, trusted: TrustedKeys
) -> None:
    data = sign(
        kit.key,
        version=1,
        files=kit.sources,
        issued_at=NOW + MAX_CLOCK_SKEW,
        expires_at=NOW + timedelta(days=30),
    )
    assert verify_bundle(data, trusted, active_version=0, now=NOW).version == 1


def test_a_bundle_issued_ten_days_ahead_is_refused_with_the_reason(
    kit: Kit, trusted: TrustedKeys
) -> None:
    data = sign(
        kit.key,
        version=1,
        files=kit.sources,
        issued_at=NOW + timedelta(days=10),
        expires_at=NOW + timedelta(days=30),
    )
    with pytest.raises(BundleRejected) as info:
        verify_bundle(data, trusted, active_version=0, now=NOW)
    assert info.value.reason is RejectReason.ISSUED_IN_FUTURE
    assert "2027-03-11T12:00:00Z" in info.value.message
    assert "more than 24 h ahead" in info.value.message


@settings(max_examples=40, deadline=None)
@given(ahead=st.integers(-60 * 86_400, 60 * 86_400))
def test_a_bundle_is_refused_exactly_when_issued_beyond_the_clock_skew(
    kit: Kit, trusted: TrustedKeys, ahead: int
) -> None:
    issued = NOW + timedelta(seconds=ahead)
    data = sign(
        kit.key,
        version=1,
        files=kit.sources,
        issued_at=issued,
        expires_at=max(issued, NOW) + timedelta(days=1),
    )
    if timedelta(seconds=ahead) <= MAX_CLOCK_SKEW:
        assert verify_bundle(data, trusted, active_version=0, now=NOW).version == 1
        return
    with pytest.raises(BundleRejected) as info:
        verify_bundle(data, trusted, active_version=0, now=NOW)
    assert info.value.reason is RejectReason.ISSUED_IN_FUTURE


def test_a_bundle_needing_a_newer_app_is_rejected(
    kit: Kit, trusted: TrustedKeys
) -> None:
    data = build_bundle(
        kit.sources,
        kit.key,
        version=1,
        issued_at=NOW,
        expires_at=NOW + timedelta(days=1),
        min_client_version="0.3",
    )
    verify_bundle(data, trusted, active_version=0, now=NOW, client_version="0.3.0")
    with pytest.raises(BundleRejected) as info:
        verify_bundle(data, trusted, active_version=0, now=NOW, client_version="0.2.9")
    assert info.value.reason is RejectReason.CLIENT_TOO_OLD


@pytest.mark.parametrize(
    ("client", "minimum", "ok"),
    [
        ("0.1.0", "0.1.0", True),
        ("0.1", "0.1.0", True),
        ("0.10.0", "0.9", True),
        ("1.0.0.dev3", "1.0", True),
        ("0.9.9", "0.10", False),
        ("garbage", "0.1", False),
    ],
)
def test_client_version_comparison_is_numeric(
    client: str, minimum: str, ok: bool
) -> None:
    assert client_satisfies(client, minimum) is ok


def test_naive_now_is_a_programming_error(kit: Kit, trusted: TrustedKeys) -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify_bundle(
            kit.candidate, trusted, active_version=0, now=datetime(2027, 1, 1)
        )


def test_signed_files_that_do_not_compile_are_rejected(
    kit: Kit, trusted: TrustedKeys
) -> None:
    doc = document(sign(kit.key, version=1, files=kit.sources))
    # Sign a manifest over a broken file, as a buggy signer would.
    doc["files"]["rules.toml"] += "\n[[rules]]\nid = 'x'\n"
    doc["manifest"]["files"]["rules.toml"] = file_digest(doc["files"]["rules.toml"])
    doc["signature"] = encode_base64(kit.key.sign(canonical_json(doc["manifest"])))
    with pytest.raises(BundleRejected) as info:
        authenticate_bundle(canonical_json(doc), trusted)
    assert info.value.reason is RejectReason.INVALID_POLICY
    assert "rules.toml, rule 'x', field 'outcome'" in info.value.message


def test_signing_refuses_invalid_sources_times_and_versions(kit: Kit) -> None:
    later = NOW + timedelta(days=1)
    with pytest.raises(PolicyError, match="rules.toml"):
        build_bundle(
            {**kit.sources, "rules.toml": "[[rules]]\n"},
            kit.key,
            version=1,
            issued_at=NOW,
            expires_at=later,
        )
    with pytest.raises(PolicyError, match="after the issue time"):
        build_bundle(kit.sources, kit.key, version=1, issued_at=later, expires_at=NOW)
    with pytest.raises(PolicyError, match="timezone"):
        build_bundle(
            kit.sources,
            kit.key,
            version=1,
            issued_at=datetime(2027, 1, 1),
            expires_at=later,
        )
    with pytest.raises(PolicyError, match="1 or more"):
        build_bundle(kit.sources, kit.key, version=0, issued_at=NOW, expires_at=later)


def test_key_pair_files_round_trip_and_are_never_overwritten(tmp_path: Path) -> None:
    key = generate_signing_key()
    private_path, public_path = write_key_pair(key, tmp_path / "keys")
    assert key.key_id.startswith("dev-")
    assert private_path.name == f"{key.key_id}.signing-key"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert read_signing_key(private_path).public_key == key.public_key
    assert read_public_key(public_path) == key.public_key
    private_before = private_path.read_bytes()
    with pytest.raises(PolicyError, match="never overwritten"):
        write_key_pair(key, tmp_path / "keys")
    assert private_path.read_bytes() == private_before


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"algorithm": "rsa", "key_id": "k", "public_key": ""}',
        '{"algorithm": "ed25519", "key_id": "K!", "public_key": "' + "A" * 43 + '="}',
        '{"algorithm": "ed25519", "key_id": "k", "public_key": "short"}',
    ],
)
def test_invalid_public_key_files_are_reported(tmp_path: Path, content: str) -> None:
    path = tmp_path / "k.pub.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match="not a valid public key file"):
        read_public_key(path)


def test_two_keys_may_not_share_a_key_id() -> None:
    first, second = generate_signing_key("same"), generate_signing_key("same")
    with pytest.raises(PolicyError, match="same"):
        TrustedKeys.of(first.public_key, second.public_key)
    one = TrustedKeys.of(first.public_key)
    assert one.merged(one) == one
    assert "same" in one and one.ids == ("same",)


def test_base64_must_be_canonical() -> None:
    raw = bytes(range(32))
    text = encode_base64(raw)
    assert decode_base64(text, length=32) == raw
    sloppy = text[:-2] + chr(ord(text[-2]) + 1) + "="
    assert decode_base64(sloppy, length=32) is None
    assert decode_base64(text.rstrip("="), length=32) is None
    assert decode_base64(text, length=31) is None


def test_shipped_demo_bundle_verifies_with_the_shipped_key() -> None:
    keys = read_trusted_keys(KEYS_DIR)
    assert keys.ids == (DEMO_KEY_ID,)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    bundle = verify_bundle(
        DEMO_BUNDLE.read_bytes(),
        keys,
        active_version=0,
        now=now,
        client_version="0.1.0",
    )
    assert bundle.version == DEMO_VERSION
    assert bundle.manifest.key_id == DEMO_KEY_ID
    assert bundle.manifest.expires_at == datetime.fromisoformat(DEMO_EXPIRES_AT)


def test_shipped_demo_bundle_matches_the_default_sources() -> None:
    """If this fails, run scripts/make_demo_bundle.py after editing the sources."""
    shipped = document(DEMO_BUNDLE.read_bytes())["files"]
    assert shipped == read_policy_sources(SOURCE_DIR)


def test_no_private_key_is_shipped() -> None:
    defaults = SOURCE_DIR.parent
    assert not list(defaults.rglob("*.signing-key"))
    for path in defaults.rglob("*.json"):
        assert "private_key" not in path.read_text(encoding="utf-8")


def test_demo_bundle_script_writes_a_fresh_bundle_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_demo_bundle", REPO_ROOT / "scripts" / "make_demo_bundle.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    defaults = tmp_path / "defaults"
    (defaults / "policy").mkdir(parents=True)
    for name, text in read_policy_sources(SOURCE_DIR).items():
        (defaults / "policy" / name).write_text(text, encoding="utf-8")
    assert script.main(["--defaults", str(defaults)]) == 0
    assert "private key was not saved" in capsys.readouterr().out
    keys = read_trusted_keys(defaults / "keys")
    data = (defaults / "demo-bundle.json").read_bytes()
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert verify_bundle(data, keys, active_version=0, now=now).version == DEMO_VERSION
    assert not list(defaults.rglob("*.signing-key"))
    assert isinstance(
        read_public_key(defaults / "keys" / "demo-2026.pub.json"), PublicKey
    )


def test_sign_helper_produces_bundles_for_the_trusted_key(
    kit: Kit, trusted: TrustedKeys
) -> None:
    data = sign(kit.key, version=3, files=kit.sources)
    assert authenticate_bundle(data, trusted).version == 3


def test_shipped_demo_bundle_has_not_expired() -> None:
    """Fails once the demo bundle expires: rebuild it with a later expiry.

    Run scripts/make_demo_bundle.py after moving DEMO_EXPIRES_AT in
    policies/defaults/__init__.py; until then the demo is read-only.
    """
    expires = datetime.fromisoformat(DEMO_EXPIRES_AT)
    assert datetime.now(UTC) < expires
