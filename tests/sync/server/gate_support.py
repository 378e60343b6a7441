"""A passing evaluation report for the newest published policy and KB, stored
at the centre as a depot's ``edge-agent eval --upload`` leaves it.

Why: tests of releases themselves (history, manifests, rollback) need a
candidate the gate lets through; the gate and real reports have their own
tests (``tests/sync/server/test_gate.py``, ``tests/test_release_gate.py``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sync.evaluation_protocol import EvaluationReport
from sync.server.releases.parts import (
    app_version,
    default_model_file,
    file_sha256,
    kb_sha256,
    policy_sha256,
)
from sync.server.storage import Storage, fleet
from sync.server.storage.evaluation_reports import add_report

HEX = "0" * 64


def report_document(
    *,
    model_sha256: str,
    policy: str,
    kb: str,
    app: str,
    figures: dict[str, dict[str, Any]] | None = None,
    cases: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A report of ``edge-agent eval``'s shape (only what the centre reads),
    passing the default gate unless ``figures`` say otherwise."""
    return {
        "report_format": 1,
        "created_at": "2026-05-04T10:00:00Z",
        "candidate": {
            "app_version": app,
            "model": {"file": "model.gguf", "sha256": model_sha256},
            "policy": {"version": 1, "sha256": HEX, "content_sha256": policy},
            "kb": {"version": 1, "content_sha256": kb},
        },
        "suite": {
            "name": "Demo fleet",
            "version": 1,
            "sha256": HEX,
            "cases": 4,
            "kinds_run": ["question", "photo", "policy", "injection"],
        },
        "figures": figures
        or {
            "question": {
                "hit_at_1": 0.9,
                "hit_at_5": 1.0,
                "facts_found": 1.0,
                "must_not_say_violations": 0,
            },
            "photo": {"recall": 1.0, "precision": 1.0},
            "policy": {"matches": 1, "mismatches": 0},
            "injection": {"escapes": 0},
        },
        "cases": cases or [],
        "comparison": None,
    }


def vouch(
    storage: Storage,
    *,
    model_sha256: str | None = None,
    app: str | None = None,
    technician: str = "ann",
) -> int:
    """Store a passing report for the newest published policy and KB with
    this model (the default model's file if ``None``); its number."""
    with storage.write() as connection:
        bundle = fleet.latest_bundle(connection)
        snapshot = fleet.kb_version(connection, fleet.latest_kb_version(connection))
        assert bundle is not None and snapshot is not None
        document = report_document(
            model_sha256=model_sha256 or file_sha256(default_model_file()),
            policy=policy_sha256(bundle.document),
            kb=kb_sha256(snapshot["snapshot"]),
            app=app or app_version(),
        )
        text = json.dumps(document)
        report_id, _ = add_report(
            connection,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            document=text,
            report=EvaluationReport.model_validate(document),
            device_id="depot-laptop",
            technician_id=technician,
            at=datetime.now(UTC),
        )
    return report_id


def vouch_at(url: str, **options: Any) -> int:
    """:func:`vouch` on the centre's database at ``url``."""
    storage = Storage.open(url)
    try:
        return vouch(storage, **options)
    finally:
        storage.close()
