"""What each group returns: its figures and its invariant checks, as one record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Check:
    """One invariant: its name, whether it held, and what was seen."""

    name: str
    ok: bool
    seen: Any = None


@dataclass
class GroupReport:
    """One group's run: the tier, figures measured and invariants checked."""

    group: str
    tier: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None

    def check(self, name: str, ok: bool, seen: Any = None) -> bool:
        """Record an invariant; returns whether it held."""
        self.checks.append(Check(name, bool(ok), seen))
        return bool(ok)

    def expect_zero(self, name: str, count: int) -> bool:
        """Record that ``count`` (of something that must not happen) is 0."""
        return self.check(f"{name} == 0", count == 0, count)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "tier": self.tier,
            "ok": self.ok,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 1),
            "figures": self.figures,
            "checks": [
                {"name": c.name, "ok": c.ok, "seen": _plain(c.seen)}
                for c in self.checks
            ],
        }


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a check's observation."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return repr(value)


def render(report: GroupReport) -> str:
    """A few lines for the terminal: status, figures, failed checks."""
    if report.skipped:
        return f"[{report.group}] skipped: {report.skipped}"
    status = "ok" if report.ok else "FAILED"
    lines = [f"[{report.group}] {status} in {report.seconds:.1f} s ({report.tier})"]
    for name, value in report.figures.items():
        if isinstance(value, dict | list) and len(repr(value)) > 100:
            continue  # matrices and series: in the JSON report
        lines.append(f"  {name}: {value}")
    lines.append(
        f"  checks: {len(report.checks) - len(report.failed)}/{len(report.checks)} held"
    )
    lines.extend(f"  FAILED {c.name}: {c.seen!r}"[:400] for c in report.failed)
    return "\n".join(lines)
