"""What a proposal kept for later recorded about itself, read back from its
evidence so it can be decided again as it was proposed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.act.argument_origins import ArgumentOrigin, origins_from_evidence
from edge_agent.act.proposals import Proposer


@dataclass(frozen=True, slots=True)
class KeptEvidence:
    """A kept action's recorded proposer, model confidence, grounding, who
    filled each argument and where each came from; what cannot be read is
    left unknown (the technician, for the proposer)."""

    proposed_by: Proposer = "technician"
    model_confidence: float | None = None
    grounded: bool | None = None
    argument_sources: Mapping[str, str] | None = None
    origins: Mapping[str, ArgumentOrigin] = field(default_factory=dict)

    @classmethod
    def read(cls, evidence: Mapping[str, Any]) -> KeptEvidence:
        confidence = evidence.get("model_confidence")
        grounded = evidence.get("grounded")
        sources = evidence.get("argument_sources")
        return cls(
            proposed_by=_proposer(evidence.get("proposed_by")),
            model_confidence=float(confidence)
            if isinstance(confidence, int | float) and not isinstance(confidence, bool)
            else None,
            grounded=grounded if isinstance(grounded, bool) else None,
            argument_sources={str(k): str(v) for k, v in sources.items()}
            if isinstance(sources, Mapping)
            else None,
            origins=origins_from_evidence(evidence),
        )


def _proposer(recorded: object) -> Proposer:
    if recorded == "model":
        return "model"
    return "rules" if recorded == "rules" else "technician"
