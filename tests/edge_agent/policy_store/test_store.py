"""The device's policy store: install, refuse, remember time, go read-only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.config import load_settings
from edge_agent.policy_store import (
    STATE_FILE,
    PolicyStore,
    ReadOnlyReason,
    open_policy_store,
)
from policies import (
    BundleRejected,
    PolicyError,
    RejectReason,
    Request,
    TrustedKeys,
)
from tests.policies.tampering import (
    ACTIVE_VERSION,
    ATTACK_NAMES,
    NOW,
    Kit,
    attacks,
    make_kit,
    sign,
)

ORDER = Request("t-1", "technician", "order_part", "order", amount=20.0, quantity=1)
LOOKUP = Request("t-1", "technician", "lookup_code", "read", args={"code": "E-42"})


class FakeClock:
    """A clock the test sets; the store only ever calls it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def kit() -> Kit:
    """A trusted key and valid bundles. Why module-wide: signing is not free."""
    return make_kit()


@pytest.fixture
def clock() -> FakeClock:
    """The device clock, at the tests' reference time."""
    return FakeClock(NOW)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The store's folder (not created: the store creates it when writing)."""
    return tmp_path / "policy"


@pytest.fixture
def store(folder: Path, kit: Kit, clock: FakeClock) -> PolicyStore:
    """A store trusting only the kit's key, with no default bundle."""
    return make_store(folder, kit, clock)


@pytest.fixture
def installed(store: PolicyStore, kit: Kit) -> PolicyStore:
    """The store with the kit's bundle at ACTIVE_VERSION installed."""
    store.install(kit.active)
    return store


def make_store(
    folder: Path, kit: Kit, clock: FakeClock, default_bundle: Path | None = None
) -> PolicyStore:
    return PolicyStore(
        folder,
        TrustedKeys.of(kit.key.public_key),
        clock=clock,
        client_version="0.1.0",
        default_bundle=default_bundle,
    )


def active_version(store: PolicyStore) -> int | None:
    bundle = store.status().bundle
    return None if bundle is None else bundle.version


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder, byte for byte (the lock file aside)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != ".lock"
    }


def state(folder: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((folder / STATE_FILE).read_bytes())
    return loaded


# --- installing --------------------------------------------------------------


def test_install_keeps_the_exact_bytes_and_records_the_version(
    store: PolicyStore, kit: Kit, folder: Path
) -> None:
    bundle = store.install(kit.active)
    assert bundle.version == ACTIVE_VERSION
    assert (folder / "bundle-v10.json").read_bytes() == kit.active
    assert store.active_path() == folder / "bundle-v10.json"
    assert state(folder)["version"] == ACTIVE_VERSION
    status = store.status()
    assert status.actions_allowed and status.read_only is None
    assert status.bundle is not None and status.bundle.version == ACTIVE_VERSION
    assert "version 10" in status.reason


def test_a_newer_bundle_replaces_the_active_one(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    installed.install(kit.candidate)
    newest = sign(kit.key, version=ACTIVE_VERSION + 2, files=kit.sources)
    installed.install(newest)
    assert active_version(installed) == ACTIVE_VERSION + 2
    assert sorted(p.name for p in folder.glob("bundle-*")) == [
        "bundle-v11.json",
        "bundle-v12.json",
    ]


def test_reinstalling_the_active_bundle_changes_nothing(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    before = snapshot(folder)
    assert installed.install(kit.active).version == ACTIVE_VERSION
    assert installed.verify(kit.active).version == ACTIVE_VERSION
    assert snapshot(folder) == before


def test_verify_checks_without_installing(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    before = snapshot(folder)
    assert installed.verify(kit.candidate).version == ACTIVE_VERSION + 1
    assert snapshot(folder) == before
    with pytest.raises(BundleRejected) as info:
        installed.verify(sign(kit.key, version=2, files=kit.sources))
    assert info.value.reason is RejectReason.ROLLBACK


@pytest.mark.parametrize("attack", ATTACK_NAMES)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_attack_is_rejected_and_the_active_bundle_stays_byte_identical(
    installed: PolicyStore, kit: Kit, folder: Path, attack: str, data: st.DataObject
) -> None:
    strategy, reasons = attacks(kit)[attack]
    tampered = data.draw(strategy, label=attack)
    before = snapshot(folder)
    with pytest.raises(BundleRejected) as info:
        installed.install(tampered)
    assert info.value.reason in reasons
    assert snapshot(folder) == before
    assert active_version(installed) == ACTIVE_VERSION


def test_a_bundle_for_a_newer_app_is_refused(
    folder: Path, kit: Kit, clock: FakeClock
) -> None:
    old_app = PolicyStore(
        folder, TrustedKeys.of(kit.key.public_key), clock=clock, client_version="0.0.9"
    )
    with pytest.raises(BundleRejected) as info:
        old_app.install(kit.active)
    assert info.value.reason is RejectReason.CLIENT_TOO_OLD
    assert not folder.exists() or not list(folder.glob("bundle-*"))


def test_a_failed_write_leaves_the_active_bundle_untouched(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    (folder / "bundle-v11.json").mkdir()  # the new bundle's file cannot be written
    before = snapshot(folder)
    with pytest.raises(PolicyError, match="active policy is unchanged"):
        installed.install(kit.candidate)
    assert snapshot(folder) == before
    assert not list(folder.glob("*.tmp"))
    assert active_version(installed) == ACTIVE_VERSION


# --- time --------------------------------------------------------------------


def test_setting_the_clock_back_does_not_revive_an_expired_bundle(
    installed: PolicyStore, folder: Path, kit: Kit, clock: FakeClock
) -> None:
    expiry = NOW + timedelta(days=90)
    clock.now = expiry + timedelta(hours=1)
    assert installed.status().read_only is ReadOnlyReason.EXPIRED
    clock.now = NOW
    restarted = make_store(folder, kit, clock)
    status = restarted.status()
    assert status.read_only is ReadOnlyReason.EXPIRED
    assert status.now >= expiry
    assert "expired at 2027-05-30T12:00:00Z" in status.reason


def test_setting_the_clock_back_does_not_admit_a_bundle_that_has_expired(
    installed: PolicyStore, folder: Path, kit: Kit, clock: FakeClock
) -> None:
    clock.now = NOW + timedelta(days=30)
    installed.status()
    clock.now = NOW
    short_lived = sign(
        kit.key,
        version=ACTIVE_VERSION + 1,
        files=kit.sources,
        expires_at=NOW + timedelta(days=10),
    )
    before = snapshot(folder)
    with pytest.raises(BundleRejected) as info:
        make_store(folder, kit, clock).install(short_lived)
    assert info.value.reason is RejectReason.EXPIRED
    assert snapshot(folder) == before


def test_a_bundles_signed_issue_time_moves_the_device_time_forward(
    installed: PolicyStore, kit: Kit, clock: FakeClock
) -> None:
    issued = NOW + timedelta(hours=6)
    fresh = sign(
        kit.key,
        version=ACTIVE_VERSION + 1,
        files=kit.sources,
        issued_at=issued,
        expires_at=NOW + timedelta(days=60),
    )
    installed.install(fresh)
    assert installed.status().now == issued


def test_a_bundle_from_the_future_neither_installs_nor_moves_the_device_time(
    installed: PolicyStore, folder: Path, kit: Kit, clock: FakeClock
) -> None:
    ahead = sign(
        kit.key,
        version=ACTIVE_VERSION + 1,
        files=kit.sources,
        issued_at=NOW + timedelta(days=10),
        expires_at=NOW + timedelta(days=60),
    )
    good = sign(
        kit.key,
        version=ACTIVE_VERSION + 2,
        files=kit.sources,
        issued_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(days=5),
    )
    before = snapshot(folder)

    with pytest.raises(BundleRejected) as info:
        installed.install(ahead)

    assert info.value.reason is RejectReason.ISSUED_IN_FUTURE
    assert snapshot(folder) == before
    assert make_store(folder, kit, clock).status().now == NOW
    assert installed.install(good).version == ACTIVE_VERSION + 2


def test_the_high_water_time_is_written_once_it_moved_a_minute(
    installed: PolicyStore, folder: Path, clock: FakeClock
) -> None:
    installed.status()
    written = state(folder)["high_water"]
    clock.now = NOW + timedelta(seconds=30)
    installed.status()
    assert state(folder)["high_water"] == written
    clock.now = NOW + timedelta(minutes=2)
    installed.status()
    assert state(folder)["high_water"] == "2027-03-01T12:02:00Z"


def test_a_naive_clock_is_a_programming_error(folder: Path, kit: Kit) -> None:
    store = make_store(folder, kit, FakeClock(datetime(2027, 1, 1)))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.install(kit.active)


# --- read-only modes ---------------------------------------------------------


def test_no_bundle_means_read_only_where_reading_still_works(
    store: PolicyStore,
) -> None:
    status = store.status()
    assert status.read_only is ReadOnlyReason.MISSING
    assert not status.actions_allowed and status.bundle is None
    assert "No policy bundle is installed" in status.reason
    assert "Search, lookups and answers still work" in status.reason
    order = status.decide(ORDER)
    assert order.denied and order.reasons == (status.reason,)
    assert order.matched_rules == ("read_only.missing",)
    assert status.decide(LOOKUP).allowed


def test_an_expired_bundle_is_shown_but_allows_no_actions(
    installed: PolicyStore, clock: FakeClock
) -> None:
    clock.now = NOW + timedelta(days=91)
    status = installed.status()
    assert status.read_only is ReadOnlyReason.EXPIRED
    assert status.bundle is not None and status.bundle.version == ACTIVE_VERSION
    decision = status.decide(ORDER)
    assert decision.denied and "expired" in decision.reasons[0]
    assert decision.bundle_version == ACTIVE_VERSION
    assert status.decide(LOOKUP).allowed


def test_the_agent_kill_switch_makes_the_device_read_only(
    store: PolicyStore, kit: Kit
) -> None:
    switched_off = dict(kit.sources)
    switched_off["operations.toml"] = switched_off["operations.toml"].replace(
        "agent = false", "agent = true"
    )
    store.install(sign(kit.key, version=1, files=switched_off))
    status = store.status()
    assert status.read_only is ReadOnlyReason.KILL_SWITCH
    assert "switched off all actions" in status.reason
    assert status.decide(ORDER).denied
    assert status.decide(LOOKUP).allowed


def test_a_changed_active_bundle_file_is_detected(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    path = folder / "bundle-v10.json"
    path.write_bytes(kit.active.replace(b"Looking things up", b"Looking things_up"))
    status = installed.status()
    assert status.read_only is ReadOnlyReason.INVALID
    assert "changed after it was installed" in status.reason
    installed.install(kit.candidate)
    assert installed.status().actions_allowed


def test_swapping_in_an_older_signed_bundle_file_is_detected(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    installed.install(kit.candidate)
    (folder / "bundle-v11.json").write_bytes(kit.active)
    assert installed.status().read_only is ReadOnlyReason.INVALID


def test_deleting_the_bundle_does_not_bring_back_an_older_default(
    folder: Path, kit: Kit, clock: FakeClock, tmp_path: Path
) -> None:
    default = tmp_path / "default-bundle.json"
    default.write_bytes(sign(kit.key, version=1, files=kit.sources))
    store = make_store(folder, kit, clock, default_bundle=default)
    assert active_version(store) == 1
    store.install(kit.active)
    (folder / "bundle-v10.json").unlink()
    status = store.status()
    assert status.read_only is ReadOnlyReason.MISSING
    assert "newer than version 10" in status.reason
    with pytest.raises(BundleRejected) as info:
        store.install(default.read_bytes())
    assert info.value.reason is RejectReason.ROLLBACK


def test_a_damaged_state_file_is_read_only_and_blocks_installs(
    installed: PolicyStore, kit: Kit, folder: Path
) -> None:
    (folder / STATE_FILE).write_text('{"format": 1, "version": "ten"}')
    status = installed.status()
    assert status.read_only is ReadOnlyReason.INVALID
    assert "damaged" in status.reason
    with pytest.raises(PolicyError, match="damaged"):
        installed.install(kit.candidate)


# --- the shipped default -----------------------------------------------------


def test_first_use_installs_the_shipped_demo_bundle() -> None:
    settings = load_settings()
    store = open_policy_store(settings, clock=FakeClock(NOW))
    status = store.status()
    assert status.actions_allowed
    assert status.bundle is not None
    assert (status.bundle.version, status.bundle.manifest.key_id) == (1, "demo-2026")
    assert store.active_path() == settings.layout.policy_dir / "bundle-v1.json"


def test_an_expired_shipped_bundle_leaves_the_device_read_only() -> None:
    store = open_policy_store(
        load_settings(), clock=FakeClock(datetime(2029, 1, 1, tzinfo=UTC))
    )
    status = store.status()
    assert status.read_only is ReadOnlyReason.MISSING
    assert "shipped one was refused" in status.reason
    assert "expired" in status.reason
