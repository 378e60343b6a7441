"""How old the device's view of the world is when it decides an action.

A decision rests on the job book and the knowledge base the device last
received, as of its last sync. :class:`DataSources` says when each came;
:func:`freshness_record` turns that, at the moment of deciding, into the
record kept in the action's evidence (``freshness``), which the policy judges
(:func:`policies.freshness_in_evidence`) and both front ends show.

The centre sends a job book or a KB snapshot only when it has a newer one, so
a sync that brought none confirmed the one held: each input's age counts from
the later of its arrival and the last sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from edge_agent.jobs import JobBook
from policies import (
    ASSET,
    FRESHNESS_INPUTS,
    Freshness,
    describe_input,
    format_time,
    freshness_in_evidence,
)

if TYPE_CHECKING:  # the status bar imports this module before the KB loads
    from knowledge_cache import KnowledgeStore

FRESHNESS_KEY = "freshness"
"""Evidence key of the record (see :mod:`policies.freshness`)."""

_CITED_KEYS = ("catalogue_chunk", "fault_code_chunk")


@dataclass(frozen=True, slots=True)
class DataSources:
    """When the device's data came, as its files say.

    Attributes:
        last_sync_at: When a sync last reached the centre and finished.
        job_book_version: The job book's version (0: none received).
        job_book_at: When the job book came.
        kb_version: The knowledge base's version.
        kb_at: When that KB version came (applied or ingested).
    """

    last_sync_at: str | None = None
    job_book_version: int = 0
    job_book_at: str = ""
    kb_version: int = 0
    kb_at: str = ""


def freshness_record(
    sources: DataSources,
    *,
    now: datetime,
    job_id: str | None,
    jobs: JobBook,
    documents: Mapping[str, Mapping[str, str]] | None = None,
    asset_id: str | None = None,
) -> dict[str, Any]:
    """The record kept with an action decided at ``now``.

    Args:
        sources: When each input came.
        now: The moment of deciding.
        job_id: The job the action names, if any.
        jobs: The job book the device holds.
        documents: Each cited document's revision and when it came.
        asset_id: The asset the action is on (named, or its job's), if any.
            Its record came with the job book, so it is as old as the job
            book; one the job book lacks is of unknown age.
    """
    synced = _parse(sources.last_sync_at)
    record: dict[str, Any] = {"at": format_time(now), "sync": _entry(now, synced)}
    book = _parse(sources.job_book_at)
    record["job_book"] = {
        **_entry(now, _later(book, synced) if book else None),
        "version": sources.job_book_version,
        "received_at": sources.job_book_at or None,
    }
    kb = _parse(sources.kb_at)
    record["kb"] = {
        **_entry(now, _later(kb, synced) if kb else None),
        "version": sources.kb_version,
        "received_at": sources.kb_at or None,
    }
    if job_id is not None:
        job = jobs.job(job_id)
        record["job"] = {
            "job_id": job_id,
            "in_book": job is not None,
            "status": job.status if job else None,
        }
    if asset_id is not None:
        record["asset"] = _asset_entry(asset_id, jobs, record["job_book"])
    if documents:
        record["documents"] = {name: dict(doc) for name, doc in documents.items()}
    return record


def _asset_entry(
    asset_id: str, jobs: JobBook, book: Mapping[str, Any]
) -> dict[str, Any]:
    asset = jobs.asset(asset_id)
    if asset is None:
        return {"asset_id": asset_id, "in_book": False, "age_s": None}
    return {
        "asset_id": asset_id,
        "in_book": True,
        "status": asset.status,
        "age_s": book["age_s"],
        "version": book["version"],
        "updated_at": asset.updated_at or None,
    }


def freshness_of(record: Mapping[str, Any]) -> Freshness:
    """The record as the policy reads it."""
    return freshness_in_evidence({FRESHNESS_KEY: record})


def cited_documents(
    evidence: Mapping[str, Any], refs: Iterable[str], store: KnowledgeStore
) -> dict[str, dict[str, str]]:
    """Each KB document an action cites (its catalogue and fault-code chunks,
    and the chunks its arguments were quoted from), with its revision (the
    first 12 hex digits of its content hash) and when it came."""
    chunk_ids = {str(evidence[k]) for k in _CITED_KEYS if evidence.get(k)}
    chunk_ids |= {ref for ref in refs if "#" in ref}
    if not chunk_ids:
        return {}
    by_id = {doc.id: doc for doc in store.documents()}
    cited: dict[str, dict[str, str]] = {}
    for chunk_id in sorted(chunk_ids):
        doc = by_id.get(chunk_id.rpartition("#")[0])
        if doc is not None:
            cited[doc.id] = {
                "revision": doc.content_hash[:12],
                "received_at": doc.ingested_at,
            }
    return cited


def describe_freshness(record: object) -> list[str]:
    """The record in plain words, one line per input: ``"job book v7 from 3
    days ago"``, ``"KB v4 from 12 days ago"``, ``"last sync 5 hours ago"``,
    the job's place in the job book and each cited document's revision.
    An action recorded before ages were kept says so."""
    if not isinstance(record, Mapping) or not record:
        return ["not recorded (an action from before ages were kept)"]
    freshness = freshness_of(record)
    lines = [describe_input(name, freshness) for name in _SHOWN]
    job = record.get("job")
    if isinstance(job, Mapping) and job.get("job_id"):
        if job.get("in_book") is True:
            status = f" ({job['status']})" if job.get("status") else ""
            lines.append(f"job {job['job_id']} in the job book{status}")
        elif job.get("in_book") is False:
            lines.append(f"job {job['job_id']} NOT in the job book")
    asset = record.get("asset")
    if isinstance(asset, Mapping) and asset.get("asset_id"):
        lines.append(_asset_line(asset, freshness))
    documents = record.get("documents")
    if isinstance(documents, Mapping):
        lines.extend(
            f"{name} revision {doc.get('revision', '?')}"
            for name, doc in documents.items()
            if isinstance(doc, Mapping)
        )
    return lines


def _asset_line(asset: Mapping[str, Any], freshness: Freshness) -> str:
    """``"asset PUMP-0451 record (in service, job book v7) from 3 days ago,
    changed at the depot 2026-11-30"``, or that the job book lacks it."""
    if asset.get("in_book") is False:
        return f"asset {asset['asset_id']} NOT in the job book"
    said = describe_input(ASSET, freshness).removeprefix("asset ")
    line = f"asset {asset['asset_id']} {said}"
    updated = asset.get("updated_at")
    return f"{line}, changed at the depot {str(updated)[:10]}" if updated else line


_SHOWN = ("job_book", "kb", "sync")
"""The inputs every record has; the asset's only when the action names one."""
assert set(_SHOWN) | {ASSET} == set(FRESHNESS_INPUTS)


def _entry(now: datetime, since: datetime | None) -> dict[str, Any]:
    if since is None:
        return {"age_s": None}
    return {"age_s": max(0, round((now - since).total_seconds()))}


def _later(first: datetime, second: datetime | None) -> datetime:
    return first if second is None or first >= second else second


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
