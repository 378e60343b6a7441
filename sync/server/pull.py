"""Answering a pull: what changed for this device since it last asked.

Results after its cursor (a page at a time), the newest signed policy bundle
when the device's is older, the KB as a signed delta from the device's version
(or a full snapshot when it is further behind), its job book when changed,
the kill switches that apply to it, the centre's key sets the device has
not followed yet, and the newest release's signed manifest when the device
holds an older one. The versions the device reports are recorded for the
reconciliation report, with the release they make up (if any).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from sync.protocol import (
    KbDelta,
    PullRequest,
    PullResponse,
    SkippedUpdate,
)
from sync.server.centre_keys import CentreKeys
from sync.server.centre_policy import device_switches
from sync.server.records import Clock
from sync.server.releases.manifest import signed_manifest
from sync.server.storage import Storage, actions, devices, fleet, releases
from sync.server.storage.releases import Release
from sync.server.storage.store import dump_json


class Puller:
    """Builds pull responses for authenticated devices.

    Args:
        storage: The service's storage.
        keys: The centre's keys.
        page_size: Most results in one response.
        clock: The service's clock (since when a device runs a release).
    """

    def __init__(
        self, storage: Storage, keys: CentreKeys, *, page_size: int, clock: Clock
    ) -> None:
        self._storage = storage
        self._keys = keys
        self._page = page_size
        self._clock = clock

    def pull(self, device_id: str, request: PullRequest) -> PullResponse:
        """Everything newer than what the device reports having."""
        trusted = request.key_set_version
        # A device without the first set cannot check a chain: it enrols again.
        key_sets = self._keys.documents_after(trusted) if trusted else []
        with self._storage.write() as connection:
            results = actions.results_after(
                connection, device_id, request.results_after, self._page + 1
            )
            more = len(results) > self._page
            results = results[: self._page]
            cursor = results[-1].result_id if results else request.results_after
            bundle = fleet.latest_bundle(connection)
            newer_bundle = (
                bundle is not None and bundle.version > request.policy_version
            )
            kb = _kb(connection, request.kb_version)
            skipped = _skipped(
                request,
                bundle.version if bundle else 0,
                fleet.latest_kb_version(connection),
            )
            book = fleet.job_book(connection, device_id)
            newer_jobs = book is not None and book[0] > request.jobs_version
            switches = device_switches(connection, device_id)
            reported: dict[str, object] = {
                "policy_version": request.policy_version,
                "kb_version": request.kb_version,
                "jobs_version": request.jobs_version,
                "key_set_version": request.key_set_version,
            }
            if request.model:
                reported["model"] = request.model
            if request.refused is not None:
                reported["refused_updates"] = dump_json(request.refused)
            if request.queue_depth is not None:
                reported["queue_depth"] = request.queue_depth
            if request.model_sha256:
                reported["model_sha256"] = request.model_sha256
            devices.report_versions(connection, device_id, **reported)
            self._note_release(connection, device_id, request)
            release = _newer_release(connection, request.release_id)
        # Signed outside the transaction: reading the key is file I/O.
        manifest = (
            None
            if release is None
            else signed_manifest(release, self._keys.signing_key())
        )
        return PullResponse(
            results=results,
            results_cursor=cursor,
            more_results=more,
            policy_bundle=bundle.document if newer_bundle and bundle else None,
            kb=kb,
            jobs=book[1] if newer_jobs and book else None,
            jobs_version=book[0] if book else 0,
            kill_switch=switches,
            key_sets=key_sets,
            skipped=skipped,
            release=manifest,
        )

    def _note_release(
        self, connection: Connection, device_id: str, request: PullRequest
    ) -> None:
        """Record the release the device's reported parts make up, and since
        when (kept while it stays the same)."""
        device = devices.device(connection, device_id)
        if device is None:
            return
        running = releases.matching_release(
            connection,
            policy_version=request.policy_version,
            kb_version=request.kb_version,
            model_sha256=device.model_sha256,
        )
        if running != device.release_id:
            releases.set_running(connection, device_id, running, at=self._clock())


def _newer_release(connection: Connection, held: int | None) -> Release | None:
    """The newest release, if newer than ``held`` (``None``: the device takes
    no manifests)."""
    if held is None:
        return None
    newest = releases.newest_release(connection)
    if newest is None or newest.release_id <= held:
        return None
    return newest


def _skipped(
    request: PullRequest, newest_policy: int, newest_kb: int
) -> list[SkippedUpdate]:
    """What the device would ignore because it runs a newer version."""
    skipped = []
    if 0 < newest_policy < request.policy_version:
        skipped.append(
            SkippedUpdate(
                part="policy",
                message=(
                    f"The centre's newest policy is version {newest_policy}, below "
                    f"version {request.policy_version} that this device runs, so it "
                    "was not sent. Ask the depot to publish the policy again: it "
                    f"will be numbered above {request.policy_version}."
                ),
            )
        )
    if 0 < newest_kb < request.kb_version:
        skipped.append(
            SkippedUpdate(
                part="kb",
                message=(
                    f"The centre's newest knowledge base is version {newest_kb}, "
                    f"below version {request.kb_version} on this device (what was "
                    "ingested here counts), so it was not sent. Ask the depot to "
                    f"publish the KB again: it will be numbered above "
                    f"{request.kb_version}."
                ),
            )
        )
    return skipped


def _kb(connection: Connection, have: int) -> KbDelta | None:
    latest = fleet.latest_kb_version(connection)
    if latest <= have:
        return None
    stored = fleet.kb_version(connection, latest)
    if stored is None:
        return None
    if stored["delta"] is not None and stored["base_version"] == have:
        return KbDelta.model_validate_json(stored["delta"])
    return KbDelta.model_validate_json(stored["snapshot"])
