"""The store: verify before installing, remember the latest time, report status."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from edge_agent.clock import Clock
from edge_agent.errors import PolicyStateDamaged
from edge_agent.policy_store.folder import (
    HIGH_WATER_STEP,
    STATE_FILE,
    PolicyFolder,
    StoreState,
)
from edge_agent.policy_store.status import PolicyStatus, ReadOnlyReason
from policies import (
    Bundle,
    BundleRejected,
    PolicyError,
    TrustedKeys,
    authenticate_bundle,
    check_fresh,
    client_satisfies,
    format_time,
    verify_bundle,
)


class PolicyStore:
    """The device's active policy bundle and high-water clock, in one folder.

    Args:
        folder: Where the bundle and state live; created when first written.
        trusted_keys: Keys whose signatures the device accepts.
        kept_keys: Keys that verify only the bundle already installed (the
            shipped key on an enrolled device, until the centre's first
            bundle replaces the shipped one).
        clock: Returns the current time, timezone-aware.
        client_version: The app's version, checked against each bundle's
            minimum; ``None`` skips that check.
        default_bundle: A bundle file installed (after verification) on first
            use, when no bundle was ever installed.
        unusable: Why no bundle can be trusted now (the centre's key set is
            damaged): :meth:`status` is read-only with this message.
    """

    def __init__(
        self,
        folder: Path,
        trusted_keys: TrustedKeys,
        *,
        kept_keys: TrustedKeys | None = None,
        clock: Clock,
        client_version: str | None = None,
        default_bundle: Path | None = None,
        unusable: str | None = None,
    ) -> None:
        self.folder = folder
        self._unusable = unusable
        self.trusted_keys = trusted_keys
        self.kept_keys = kept_keys or TrustedKeys()
        self._files = PolicyFolder(folder)
        self._clock = clock
        self._client_version = client_version
        self._default_bundle = default_bundle
        self._seen: datetime | None = None
        self._cache: tuple[str, Bundle] | None = None

    def use_keys(self, trusted: TrustedKeys, kept: TrustedKeys) -> None:
        """Change the keys accepted from now on (a new centre key set)."""
        self.trusted_keys = trusted
        self.kept_keys = kept
        self._cache = None

    def status(self) -> PolicyStatus:
        """The policy in force now; on first use, installs the default bundle.

        Never raises for a missing, altered or expired bundle: those are
        read-only states with their reason.
        """
        if self._unusable is not None:
            now = self._now(StoreState())
            invalid = ReadOnlyReason.INVALID
            return PolicyStatus.read_only_because(invalid, self._unusable, now)
        try:
            state = self._files.read_state()
            now = self._now(state)
            left = self._files.bundle_names() if state.version == 0 else []
            if state.active is None and left:
                why = self._state_lost(left)
                return PolicyStatus.read_only_because(ReadOnlyReason.MISSING, why, now)
            state = self._advance_high_water(state, now)
        except PolicyStateDamaged as exc:
            now = self._now(StoreState())
            return PolicyStatus.read_only_because(ReadOnlyReason.INVALID, str(exc), now)
        except OSError as exc:
            why = f"Cannot record the device time in {self.folder} ({exc.strerror})."
            now = self._now(StoreState())
            return PolicyStatus.read_only_because(ReadOnlyReason.INVALID, why, now)
        default = self._default_bundle
        if state.active is None and state.version == 0 and default is not None:
            try:
                self._install_default(default)
                state = self._files.read_state()
            except PolicyError as exc:
                why = ReadOnlyReason.MISSING
                return PolicyStatus.read_only_because(why, exc.message, now)
            except PolicyStateDamaged as exc:
                why = ReadOnlyReason.INVALID
                return PolicyStatus.read_only_because(why, str(exc), now)
        return self._status_of(state, self._now(state))

    def _state_lost(self, left: list[str]) -> str:
        """Why a folder holding bundles but no state is read-only."""
        return (
            f"The policy state file {self.folder / STATE_FILE} is missing, but the "
            f"folder holds {', '.join(left)}: this device had a policy. The "
            "shipped default was not installed in its place, and actions are "
            "read-only until 'edge-agent sync' installs the centre's policy (or "
            "the file is put back from a backup). To start again from the "
            "shipped bundle instead, remove the policy folder."
        )

    def verify(self, data: bytes) -> Bundle:
        """Check ``data`` exactly as :meth:`install` would, without installing it.

        Raises:
            BundleRejected: the bundle would be refused; ``reason`` says why.
            PolicyError: the device's policy state is damaged.
        """
        state = self._state_or_raise()
        return self._accept(data, state, self._now(state), self.trusted_keys)

    def install(self, data: bytes) -> Bundle:
        """Verify ``data`` and make it the active bundle.

        Installing the bundle that is already active changes nothing.

        Raises:
            BundleRejected: the bundle was refused; the active one is unchanged.
            PolicyError: the state is damaged or the folder cannot be written;
                the active bundle is unchanged.
        """
        return self._install(data, self.trusted_keys)

    def _install(self, data: bytes, keys: TrustedKeys) -> Bundle:
        try:
            with self._files.exclusive():
                state = self._state_or_raise()
                now = self._now(state)
                bundle = self._accept(data, state, now, keys)
                if data != self._files.active_bytes(state):
                    self._activate(data, bundle, now, previous=state.active)
                return bundle
        except OSError as exc:
            raise PolicyError(
                f"Cannot write the policy folder {self.folder} "
                f"({exc.strerror or exc}); the active policy is unchanged.",
                title="Policy not installed",
            ) from exc

    def active_path(self) -> Path | None:
        """The active bundle's file, if one is installed."""
        try:
            state = self._files.read_state()
        except PolicyStateDamaged:
            return None
        return None if state.active is None else self.folder / state.active

    # --- checks -----------------------------------------------------------------

    def _accept(
        self, data: bytes, state: StoreState, now: datetime, keys: TrustedKeys
    ) -> Bundle:
        if data == self._files.active_bytes(state):
            bundle = self._authenticated(data)
            check_fresh(
                bundle, active_version=0, now=now, client_version=self._client_version
            )
            return bundle
        return verify_bundle(
            data,
            keys,
            active_version=state.version,
            now=now,
            client_version=self._client_version,
        )

    def _authenticated(self, data: bytes) -> Bundle:
        digest = hashlib.sha256(data).hexdigest()
        if self._cache is None or self._cache[0] != digest:
            keys = self.trusted_keys.merged(self.kept_keys)
            self._cache = (digest, authenticate_bundle(data, keys))
        return self._cache[1]

    def _status_of(self, state: StoreState, now: datetime) -> PolicyStatus:
        if state.active is None:
            why = "No policy bundle is installed."
            if state.version:
                why = f"No policy bundle is active (the last was v{state.version})."
            return PolicyStatus.read_only_because(ReadOnlyReason.MISSING, why, now)
        try:
            bundle = self._load_active(state.active, state)
        except _Unusable as exc:
            return PolicyStatus.read_only_because(exc.reason, str(exc), now)
        manifest = bundle.manifest
        expires = format_time(manifest.expires_at)
        if manifest.is_expired(now):
            why = (
                f"Policy version {bundle.version} expired at {expires}; install a "
                "newer bundle."
            )
            return PolicyStatus.read_only_because(
                ReadOnlyReason.EXPIRED, why, now, bundle
            )
        switches = bundle.policy.kill_switches
        if switches.agent:
            why = (
                "The central office has switched off all actions: "
                f"{switches.reason.rstrip('.')}."
            )
            return PolicyStatus.read_only_because(
                ReadOnlyReason.KILL_SWITCH, why, now, bundle
            )
        reason = (
            f"Policy version {bundle.version} (key {manifest.key_id}) is active "
            f"until {expires}."
        )
        return PolicyStatus(bundle, None, reason, now)

    def _load_active(self, name: str, state: StoreState) -> Bundle:
        """The active bundle, checked again: its bytes may have been changed."""
        try:
            data = self._files.read_bundle(name)
        except FileNotFoundError as exc:
            raise _Unusable(
                ReadOnlyReason.MISSING,
                f"The active policy bundle {name} has gone missing; install a bundle "
                f"newer than version {state.version}.",
            ) from exc
        except OSError as exc:
            raise _Unusable(
                ReadOnlyReason.INVALID,
                f"Cannot read the policy bundle ({exc.strerror}).",
            ) from exc
        if hashlib.sha256(data).hexdigest() != state.sha256:
            raise _Unusable(
                ReadOnlyReason.INVALID,
                f"The active policy bundle {name} was changed after it was installed.",
            )
        try:
            bundle = self._authenticated(data)
        except BundleRejected as exc:
            raise _Unusable(
                ReadOnlyReason.INVALID,
                f"The active policy bundle fails its checks: {exc.message}",
            ) from exc
        self._check_loaded(bundle, state)
        return bundle

    def _check_loaded(self, bundle: Bundle, state: StoreState) -> None:
        if bundle.version != state.version:
            raise _Unusable(
                ReadOnlyReason.INVALID,
                f"The active policy bundle is version {bundle.version}, but version "
                f"{state.version} was installed.",
            )
        minimum = bundle.manifest.min_client_version
        if self._client_version and not client_satisfies(self._client_version, minimum):
            raise _Unusable(
                ReadOnlyReason.INVALID,
                f"The active policy needs app version {minimum} or newer; this is "
                f"{self._client_version}.",
            )

    def _state_or_raise(self) -> StoreState:
        try:
            return self._files.read_state()
        except PolicyStateDamaged as exc:
            raise PolicyError(str(exc), title="Policy state damaged") from exc

    # --- time -------------------------------------------------------------------

    def _now(self, state: StoreState) -> datetime:
        """The high-water time: the latest of the clock and every time seen."""
        observed = self._clock()
        if observed.tzinfo is None:
            raise ValueError("the clock must return timezone-aware times")
        candidates = [observed, state.high_water, self._seen]
        self._seen = max(moment for moment in candidates if moment is not None)
        return self._seen

    def _advance_high_water(self, state: StoreState, now: datetime) -> StoreState:
        """Record ``now`` once it moved on by a step (fewer writes, same safety)."""
        if state.high_water is not None and now - state.high_water < HIGH_WATER_STEP:
            return state
        with self._files.exclusive():
            current = self._files.read_state()
            if current.high_water is None or current.high_water < now:
                current = StoreState(
                    current.active, current.sha256, current.version, now
                )
                self._files.write_state(current)
            return current

    # --- changes ----------------------------------------------------------------

    def _install_default(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PolicyError(
                "No policy bundle is installed and the shipped one cannot be read "
                f"({exc.strerror})."
            ) from exc
        try:
            # The shipped bundle is signed by a shipped key, also on a device
            # that enrolled before its first use.
            self._install(data, self.trusted_keys.merged(self.kept_keys))
        except BundleRejected as exc:
            raise PolicyError(
                "No policy bundle is installed and the shipped one was refused: "
                f"{exc.message}"
            ) from exc

    def _activate(
        self, data: bytes, bundle: Bundle, now: datetime, *, previous: str | None
    ) -> None:
        """Write the bundle, then commit it by replacing the state file."""
        name = self._files.write_bundle(bundle.version, data)
        state = StoreState(
            active=name,
            sha256=hashlib.sha256(data).hexdigest(),
            version=bundle.version,
            # At most MAX_CLOCK_SKEW ahead: check_fresh refuses bundles from
            # further in the future.
            high_water=max(now, bundle.manifest.issued_at),
        )
        self._files.write_state(state)
        self._seen = state.high_water
        # The previous bundle stays one round: a reader may be opening it.
        self._files.remove_stale(keep={name, previous})


class _Unusable(Exception):
    """The recorded active bundle cannot be used; ``reason`` says how."""

    def __init__(self, reason: ReadOnlyReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
