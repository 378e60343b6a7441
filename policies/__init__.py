"""Policy as code: the rules, signed bundles, and deciding one request.

Pure: imports nothing of the app's, reads or writes only the paths and bytes it
is given, and :func:`evaluate` has no I/O, clock or randomness.
"""

from __future__ import annotations

from policies.bundle import (
    MAX_CLOCK_SKEW,
    SIGNATURE_BYTES,
    Bundle,
    BundleManifest,
    authenticate_bundle,
    check_fresh,
    client_satisfies,
    format_time,
    parse_time,
    verify_bundle,
)
from policies.calls import request_for_call
from policies.conditions import Condition, Scope
from policies.defaults import DEMO_BUNDLE, KEYS_DIR
from policies.encoding import decode_base64
from policies.engine import evaluate
from policies.errors import (
    BundleRejected,
    InvalidRequest,
    PolicyError,
    PolicyFileError,
    RejectReason,
)
from policies.freshness import (
    ASSET,
    FRESHNESS_INPUTS,
    INPUT_NAMES,
    Freshness,
    describe_age,
    describe_input,
    fresh,
    freshness_in_evidence,
    parse_age,
)
from policies.key_sets import (
    KeySet,
    KeySetRejected,
    SignedKeySet,
    first_key_set,
    follow_key_sets,
    parse_key_set,
)
from policies.keys import PublicKey, TrustedKeys, read_public_key, read_trusted_keys
from policies.loader import load_policy_dir, policy_from_sources, read_policy_sources
from policies.model import (
    ACTION_TYPES,
    READ,
    Budgets,
    Decision,
    KillSwitches,
    Outcome,
    Policy,
    Request,
    Role,
    Rule,
)
from policies.origins import (
    ARGUMENT_ORIGINS,
    CONDITION_ORIGINS,
    DOCUMENT,
    EVIDENCE_KEY,
    MODEL,
    PHOTO,
    TYPED,
    UNKNOWN_ORIGIN,
    origins_in_evidence,
    recorded_origin,
)

__all__ = [
    "ACTION_TYPES",
    "ARGUMENT_ORIGINS",
    "CONDITION_ORIGINS",
    "DOCUMENT",
    "EVIDENCE_KEY",
    "MODEL",
    "PHOTO",
    "TYPED",
    "UNKNOWN_ORIGIN",
    "ASSET",
    "FRESHNESS_INPUTS",
    "INPUT_NAMES",
    "DEMO_BUNDLE",
    "KEYS_DIR",
    "MAX_CLOCK_SKEW",
    "SIGNATURE_BYTES",
    "READ",
    "Budgets",
    "Bundle",
    "BundleManifest",
    "BundleRejected",
    "Condition",
    "Decision",
    "Freshness",
    "InvalidRequest",
    "KeySet",
    "KeySetRejected",
    "KillSwitches",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyFileError",
    "PublicKey",
    "RejectReason",
    "Request",
    "Role",
    "Rule",
    "Scope",
    "SignedKeySet",
    "TrustedKeys",
    "authenticate_bundle",
    "check_fresh",
    "client_satisfies",
    "decode_base64",
    "describe_age",
    "describe_input",
    "fresh",
    "freshness_in_evidence",
    "evaluate",
    "first_key_set",
    "follow_key_sets",
    "format_time",
    "load_policy_dir",
    "parse_age",
    "parse_key_set",
    "parse_time",
    "policy_from_sources",
    "read_policy_sources",
    "read_public_key",
    "origins_in_evidence",
    "read_trusted_keys",
    "recorded_origin",
    "request_for_call",
    "verify_bundle",
]
