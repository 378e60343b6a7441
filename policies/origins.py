"""Where the text of an action's argument came from, as the policy names it.

The app records an origin for each argument it proposes: ``typed`` (the
technician's own words), ``photo`` (read from a photo), ``document`` (quoted
from a knowledge-base text shown in the turn) or ``model`` (written by the
model, found in none of those). An argument with no recorded origin, or one
recorded as anything else, counts as ``unknown``: a device too old to record
origins, or a record that cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPED = "typed"
PHOTO = "photo"
DOCUMENT = "document"
MODEL = "model"
UNKNOWN_ORIGIN = "unknown"

ARGUMENT_ORIGINS = (TYPED, PHOTO, DOCUMENT, MODEL)
"""The origins a device records, from most to least trusted."""

CONDITION_ORIGINS = (*ARGUMENT_ORIGINS, UNKNOWN_ORIGIN)
"""The origins a rule may name (``unknown``: none recorded)."""

EVIDENCE_KEY = "argument_origins"
"""Where an action's evidence records its arguments' origins (argument name
to origin), so the device and the centre decide on the same."""


def origins_in_evidence(evidence: Mapping[str, object]) -> dict[str, str]:
    """The origins an action's evidence records; what is not text is left out
    (so the rules read it as ``unknown``)."""
    recorded = evidence.get(EVIDENCE_KEY)
    if not isinstance(recorded, Mapping):
        return {}
    return {
        str(name): origin
        for name, origin in recorded.items()
        if isinstance(origin, str)
    }


def recorded_origin(origins: Mapping[str, object], arg: str) -> str:
    """The origin recorded for ``arg``, or ``unknown`` when it is missing or
    not one of :data:`ARGUMENT_ORIGINS`."""
    origin = origins.get(arg)
    if isinstance(origin, str) and origin in ARGUMENT_ORIGINS:
        return origin
    return UNKNOWN_ORIGIN
