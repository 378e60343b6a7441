"""What the technician is asked to confirm: the exact payload and who confirms.

A plain value (no stores, no Textual) built from a fresh proposal or from an
action kept for later, so one confirmation dialog serves both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_WHAT_HAPPENS = {
    "confirm": "Queued for the centre at the next sync.",
    "approve": "Queued, then held until a supervisor approves it at the centre.",
}


@dataclass(frozen=True, slots=True)
class ConfirmationRequest:
    """One action waiting for the technician's yes or no.

    Attributes:
        tool: The tool the action calls.
        action_type: What kind of change it is (``order``, ``create`` ...).
        payload: Exactly what will be queued (tool and arguments).
        payload_hash: The hash the confirmation is bound to.
        outcome: The policy's decision (``confirm`` or ``approve``).
        bundle_version: The policy version that decided.
        reasons: The decision's reasons, in plain words.
        technician_id: Who confirms.
        role: The technician's role, as the policy knows it.
        interactive: The policy asks for this confirmation at a prompt
            (this dialog); ``--yes`` cannot give it.
        origins: Arguments the technician did not type, and where each came
            from in words ("quoted from ...", "written by the model").
        data_age: How old the data the decision rests on was, in words
            ("job book v7 from 3 days ago", ...).
    """

    tool: str
    action_type: str
    payload: Mapping[str, Any]
    payload_hash: str
    outcome: str
    bundle_version: int
    reasons: tuple[str, ...] = field(default_factory=tuple)
    technician_id: str = "technician"
    role: str = "technician"
    interactive: bool = False
    origins: Mapping[str, str] = field(default_factory=dict)
    data_age: str = ""

    @property
    def origins_text(self) -> str:
        """One line per argument not typed by the technician; "" when all were."""
        return "\n".join(f"  {name}: {where}" for name, where in self.origins.items())

    @property
    def payload_text(self) -> str:
        """The payload as JSON with sorted keys: the content that is hashed."""
        return json.dumps(dict(self.payload), sort_keys=True, ensure_ascii=False)

    @property
    def what_happens(self) -> str:
        """What confirming leads to, in plain words."""
        return _WHAT_HAPPENS.get(self.outcome, "Recorded for the centre.")
