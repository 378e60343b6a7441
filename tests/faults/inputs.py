"""Input group: every endpoint of the centre's OpenAPI schema fuzzed with
requests that schemathesis draws from it (bodies that fit the schema and
bodies that do not) and with arbitrary JSON, unsigned and signed with an
enrolled device's secret (so the validation behind authentication is
reached): no answer may be a 5xx.

The app runs in-process on a real SQLite file (and on PostgreSQL in the full
tier, when installed), through Starlette's test client: an exception escaping
the app counts as a 500.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, openapi
from schemathesis.core import NOT_SET

from tests.faults.centre import databases
from tests.faults.report import GroupReport
from tests.sync.server.support import FieldDevice, harness

EXAMPLES = {"ci": 40, "full": 400}
"""Examples per endpoint, per kind of body, per backend."""
SIGNED_PREFIX = "/v1/"
UNSIGNED = {"/v1/enroll", "/v1/health", "/v1/metrics"}

ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=20), inner, max_size=5)
    ),
    max_leaves=30,
)


def run(tier: str, work: Path, *, postgres: bool = True) -> GroupReport:
    report = GroupReport("input", tier)
    with ExitStack() as stack:
        dbs = stack.enter_context(databases(stack, work, postgres and tier == "full"))
        for backend in dbs["backends"]:
            folder = work / f"input-{backend}"
            folder.mkdir()
            fuzz_backend(report, tier, folder, backend, dbs["new"](backend))
    return report


def fuzz_backend(
    report: GroupReport, tier: str, work: Path, backend: str, url: str
) -> None:
    with harness(work, url) as h:
        h.publish_default_policy()
        device = h.enrol("fuzz-device-01")
        schema = openapi.from_dict(h.http.get("/v1/openapi.json").json())
        statuses: Counter[str] = Counter()
        errors: list[str] = []
        started = time.perf_counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            method, path = operation.method.lower(), operation.path
            for kind, strategy in _bodies(operation):
                for signed in _signings(path):
                    send = _sender(h, device, method, path, signed)
                    _fuzz(
                        send,
                        strategy,
                        EXAMPLES[tier],
                        statuses,
                        errors,
                        f"{method.upper()} {path} {kind} "
                        f"{'signed' if signed else 'unsigned'}",
                    )
        report.figures[f"requests_{backend}"] = sum(statuses.values())
        report.figures[f"statuses_{backend}"] = dict(sorted(statuses.items()))
        report.figures[f"seconds_{backend}"] = round(time.perf_counter() - started, 1)
        server_errors = sum(n for s, n in statuses.items() if s.startswith("5"))
        report.expect_zero(f"{backend}: 5xx answers", server_errors)
        report.check(
            f"{backend}: bodies reached past authentication",
            any(s in statuses for s in ("200", "400", "409", "413", "422")),
            dict(statuses),
        )
        if errors:
            report.figures[f"first_5xx_{backend}"] = errors[:5]


def _bodies(operation: Any) -> list[tuple[str, Any]]:
    """Strategies of bodies: schemathesis's positive and negative cases' bodies,
    and arbitrary JSON."""
    if not operation.body:
        return [("no body", st.just(None))]
    return [
        (mode.value, operation.as_strategy(mode).map(_body))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ] + [("any JSON", ANY_JSON)]


def _body(case: Any) -> Any:
    return None if case.body is NOT_SET else case.body


def _signings(path: str) -> list[bool]:
    return [False] if path in UNSIGNED else [False, True]


def _sender(h: Any, device: FieldDevice, method: str, path: str, signed: bool):
    def send(body: Any) -> int:
        if method == "get":
            return int(h.http.get(path).status_code)
        data = _encode(body)
        if signed:
            return int(device.post(path, data).status_code)
        return int(
            h.http.post(
                path, content=data, headers={"Content-Type": "application/json"}
            ).status_code
        )

    return send


def _encode(body: Any) -> bytes:
    """JSON text as a client might send it (NaN and Infinity included); raw
    bytes as they are."""
    if isinstance(body, bytes):
        return body
    return json.dumps(body, allow_nan=True, default=repr).encode()


def _fuzz(
    send, strategy, examples: int, statuses: Counter[str], errors: list[str], label: str
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(body: Any) -> None:
        try:
            status = str(send(body))
        except Exception as exc:  # escaped the app: the server would answer 500
            status = "500"
            errors.append(f"{label}: {type(exc).__name__}: {exc}"[:300])
        else:
            if status.startswith("5"):
                errors.append(f"{label}: {status} for {_short(body)}")
        statuses[status] += 1

    one()


def _short(body: Any) -> str:
    text = json.dumps(body, allow_nan=True, default=str)
    return text if len(text) < 200 else text[:200] + "..."
