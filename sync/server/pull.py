"""Answering a pull: what changed for this device since it last asked.

Results after its cursor (a page at a time), the newest signed policy bundle
when the device's is older, the KB as a signed delta from the device's version
(or a full snapshot when it is further behind), its job book when changed,
the kill switches that apply to it, and the centre's key sets the device has
not followed yet. The versions the device reports are
recorded for the reconciliation report.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from sync.protocol import KbDelta, PullRequest, PullResponse, SkippedUpdate
from sync.server.centre_keys import CentreKeys
from sync.server.centre_policy import switch_state
from sync.server.storage import Storage, actions, devices, fleet
from sync.server.storage.store import dump_json


class Puller:
    """Builds pull responses for authenticated devices.

    Args:
        storage: The service's storage.
        keys: The centre's keys.
        page_size: Most results in one response.
    """

    def __init__(self, storage: Storage, keys: CentreKeys, *, page_size: int) -> None:
        self._storage = storage
        self._keys = keys
        self._page = page_size

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
            switches = switch_state(fleet.kill_switches_on(connection), device_id)
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
            devices.report_versions(connection, device_id, **reported)
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
        )


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
