"""A candidate's report against the baseline's (the release now in the field).

Per figure: the baseline's value, the candidate's, the change and whether it
is better or worse (each figure knows which way is better). Per case,
matched by kind and id: new failures (passed in the baseline, fail now),
fixed cases (failed, pass now), cases still failing, and cases only one of
the two runs had. A different suite (by its hash) is said plainly: figures
over different cases compare less well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from edge_agent.errors import BaselineInvalid
from edge_agent.evaluation.report import HEADLINE_FIGURES, REPORT_FORMAT, Figure

PASSED = Figure("passed", "cases passed", rate=False)


def read_baseline(path: Path) -> dict[str, Any]:
    """The report at ``path``, checked to be an evaluation report.

    Raises:
        BaselineInvalid: it cannot be read or is not such a report.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineInvalid(f"The baseline report {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineInvalid(
            f"The baseline report {path} cannot be read ({exc})."
        ) from exc
    if not isinstance(data, dict) or data.get("report_format") != REPORT_FORMAT:
        raise BaselineInvalid(
            f"{path} is not a report of edge-agent eval (report_format "
            f"{REPORT_FORMAT}); give --baseline the report.json of an earlier run."
        )
    for key, kind in (("figures", dict), ("cases", list), ("candidate", dict)):
        if not isinstance(data.get(key), kind):
            raise BaselineInvalid(f"{path} is a damaged report: {key!r} is missing.")
    return data


def compare(report: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison of ``report`` with ``baseline``, JSON-ready."""
    now, before = report["suite"], baseline.get("suite", {})
    cases = _cases(report["cases"], baseline["cases"])
    return {
        "baseline": {
            "created_at": baseline.get("created_at"),
            "candidate": baseline["candidate"],
            "suite": before,
        },
        "same_suite": now.get("sha256") == before.get("sha256"),
        "figures": _figures(report["figures"], baseline["figures"]),
        **cases,
    }


def _figures(now: Mapping[str, Any], before: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind, figures in HEADLINE_FIGURES.items():
        if kind not in now and kind not in before:
            continue
        for figure in (*figures, PASSED):
            new = now.get(kind, {}).get(figure.name)
            old = before.get(kind, {}).get(figure.name)
            rows.append(
                {
                    "kind": kind,
                    "figure": figure.name,
                    "label": figure.label,
                    "baseline": old,
                    "candidate": new,
                    "change": _change(new, old),
                    "verdict": _verdict(new, old, figure.higher_is_better),
                }
            )
    return rows


def _change(new: object, old: object) -> float | None:
    if isinstance(new, int | float) and isinstance(old, int | float):
        return round(float(new) - float(old), 3)
    return None


def _verdict(new: object, old: object, higher_is_better: bool) -> str:
    change = _change(new, old)
    if change is None:
        return "n/a"
    if change == 0:
        return "same"
    return "better" if (change > 0) == higher_is_better else "worse"


def _cases(now: list[Any], before: list[Any]) -> dict[str, list[dict[str, Any]]]:
    current = {(c["kind"], c["id"]): c for c in now}
    earlier = {
        (c.get("kind"), c.get("id")): c for c in before if isinstance(c, Mapping)
    }
    both = [key for key in current if key in earlier]

    def listed(keys: list[Any], source: Mapping[Any, Any]) -> list[dict[str, Any]]:
        return [
            {
                "kind": kind,
                "id": case_id,
                "problems": list(source[(kind, case_id)].get("problems", [])),
            }
            for kind, case_id in keys
        ]

    def passed(case: Mapping[str, Any]) -> bool:
        return bool(case.get("passed"))

    return {
        "new_failures": listed(
            [k for k in both if passed(earlier[k]) and not passed(current[k])], current
        ),
        "fixed": listed(
            [k for k in both if not passed(earlier[k]) and passed(current[k])], earlier
        ),
        "still_failing": listed(
            [k for k in both if not passed(earlier[k]) and not passed(current[k])],
            current,
        ),
        "only_in_candidate": listed([k for k in current if k not in earlier], current),
        "only_in_baseline": listed([k for k in earlier if k not in current], earlier),
    }
