"""Properties of evaluate() over generated policies and requests."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from policies import (
    ACTION_TYPES,
    ARGUMENT_ORIGINS,
    CONDITION_ORIGINS,
    FRESHNESS_INPUTS,
    Condition,
    Freshness,
    KillSwitches,
    Outcome,
    Policy,
    Request,
    Role,
    Rule,
    Scope,
    describe_input,
    evaluate,
)

CATALOGUE = {
    "search_kb": "read",
    "read_asset": "read",
    "create_work_order": "create",
    "update_work_order": "update",
    "order_part": "order",
    "update_asset": "update",
    "contact_customer": "contact",
    "delete_note": "delete",
}
TOOLS = sorted(CATALOGUE)
ROLES = ("technician", "senior_technician", "apprentice")
PLACES = ("S-1", "S-2", "TRAIN-1", "TRAIN-2", "MED-0042", "PUMP-7")
PATTERNS = ("S-1", "S-2", "TRAIN-*", "MED-*", "PUMP-7", "P*")
ARG_VALUES = ("cancelled", "done", "sms", "email")
ARG_NAMES = ("status", "channel", "note")

amounts = st.floats(min_value=0, max_value=10_000, allow_nan=False)
LIMITS = (3600.0, 48 * 3600.0, 30 * 86_400.0)
ages = st.sampled_from([0.0, *LIMITS]) | st.floats(0, 90 * 86_400.0)
confidences = st.floats(min_value=0, max_value=1, allow_nan=False)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def names(values: tuple[str, ...] | list[str] | frozenset[str]) -> st.SearchStrategy:
    return st.frozensets(st.sampled_from(sorted(values)), min_size=1)


scopes = st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3).map(Scope.of)
CONDITION_VALUES: dict[str, st.SearchStrategy] = {
    "tools": names(TOOLS),
    "action_types": names(ACTION_TYPES),
    "roles": names(ROLES),
    "technicians": names(("t-1", "t-2")),
    "sites": scopes,
    "outside_sites": scopes,
    "assets": scopes,
    "outside_assets": scopes,
    "jobs": scopes,
    "outside_jobs": scopes,
    "amount_over": amounts,
    "amount_missing": st.booleans(),
    "quantity_over": st.integers(0, 100),
    "model_proposed": st.booleans(),
    "confidence_below": confidences,
    "not_grounded": st.booleans(),
    "args": st.dictionaries(
        st.sampled_from(("status", "channel")), names(ARG_VALUES), min_size=1
    ).map(MappingProxyType),
    "arg_origins": st.dictionaries(
        st.sampled_from(ARG_NAMES), names(CONDITION_ORIGINS), min_size=1
    ).map(MappingProxyType),
    "older_than": st.dictionaries(
        st.sampled_from(FRESHNESS_INPUTS), st.sampled_from(LIMITS), min_size=1
    ).map(MappingProxyType),
    "job_not_in_book": st.booleans(),
}
ALL_CONDITIONS = sorted(CONDITION_VALUES)
OLD_CONDITIONS = sorted(set(CONDITION_VALUES) - {"arg_origins"})
"""The conditions a policy could state before argument origins."""
FRESHNESS_CONDITIONS = {"older_than", "job_not_in_book"}
AGELESS_CONDITIONS = sorted(set(CONDITION_VALUES) - FRESHNESS_CONDITIONS)
"""The conditions a policy could state before the age of data."""


@st.composite
def conditions(draw: st.DrawFn, fields: list[str] = ALL_CONDITIONS) -> Condition:
    """A condition on a few fields (as real rules are), so that rules do match."""
    chosen = draw(st.sets(st.sampled_from(fields), max_size=3))
    return Condition(**{name: draw(CONDITION_VALUES[name]) for name in sorted(chosen)})


OUTCOMES = st.sampled_from(Outcome)
INTERACTIVE = (Outcome.CONFIRM, Outcome.APPROVE)


@st.composite
def rule(
    draw: st.DrawFn,
    outcome: st.SearchStrategy[Outcome] = OUTCOMES,
    *,
    old: bool = False,
    ageless: bool = False,
) -> Rule:
    """A rule; ``old``: one a policy could state before argument origins
    and interactive confirmation; ``ageless``: one with no condition on the
    age of data."""
    chosen = draw(outcome)
    interactive = not old and chosen in INTERACTIVE and draw(st.booleans())
    fields = OLD_CONDITIONS if old else ALL_CONDITIONS
    if ageless:
        fields = sorted(set(fields) - FRESHNESS_CONDITIONS)
    when = draw(conditions(fields))
    return Rule("?", chosen, "r", when, interactive)


def numbered(rules: list[Rule], prefix: str = "rule") -> tuple[Rule, ...]:
    return tuple(
        replace(r, id=f"{prefix}-{i}", reason=f"reason {i}")
        for i, r in enumerate(rules)
    )


@st.composite
def policies(draw: st.DrawFn, *, old: bool = False, ageless: bool = False) -> Policy:
    roles = {
        name: Role(name, draw(st.frozensets(st.sampled_from(TOOLS)))) for name in ROLES
    }
    switches = draw(
        st.builds(
            KillSwitches,
            agent=st.booleans(),
            tools=st.frozensets(st.sampled_from(TOOLS), max_size=2),
            action_types=st.frozensets(
                st.sampled_from(sorted(ACTION_TYPES)), max_size=2
            ),
        )
        | st.just(KillSwitches())
    )
    return Policy(
        tools=MappingProxyType(CATALOGUE),
        roles=MappingProxyType(roles),
        rules=numbered(draw(st.lists(rule(old=old, ageless=ageless), max_size=12))),
        kill_switches=switches,
        version=draw(st.integers(0, 50)),
    )


@st.composite
def requests(draw: st.DrawFn) -> Request:
    tool = draw(st.sampled_from([*TOOLS, "unknown_tool"]))
    declared = CATALOGUE.get(tool, "read")
    action_type = draw(st.sampled_from([declared] * 9 + sorted(ACTION_TYPES)))
    return Request(
        technician_id=draw(st.sampled_from(("t-1", "t-2", "t-3"))),
        role=draw(st.sampled_from([*ROLES, "visitor"])),
        tool=tool,
        action_type=action_type,
        args=draw(
            st.dictionaries(
                st.sampled_from(("status", "channel", "note")),
                st.sampled_from(ARG_VALUES) | st.integers(),
                max_size=3,
            )
        ),
        site=draw(maybe(st.sampled_from(PLACES))),
        asset=draw(maybe(st.sampled_from(PLACES))),
        job=draw(maybe(st.sampled_from(PLACES))),
        model_proposed=draw(st.booleans()),
        model_confidence=draw(maybe(confidences)),
        grounded=draw(maybe(st.booleans())),
        amount=draw(maybe(amounts)),
        quantity=draw(maybe(st.integers(0, 200))),
        arg_origins=draw(origins()),
        freshness=draw(freshnesses()),
    )


def freshnesses() -> st.SearchStrategy[Freshness]:
    """Ages of some inputs (the others unknown), and the job in the book or not."""
    return st.builds(
        Freshness,
        ages=st.dictionaries(st.sampled_from(FRESHNESS_INPUTS), ages).map(
            MappingProxyType
        ),
        job_in_book=maybe(st.booleans()),
        job_status=maybe(st.sampled_from(("assigned", "closed"))),
    )


def origins() -> st.SearchStrategy[dict[str, object]]:
    """Recorded origins: known ones, and some a device should never send."""
    return st.dictionaries(
        st.sampled_from(ARG_NAMES),
        st.sampled_from([*ARGUMENT_ORIGINS, "unknown", "pasted"]) | st.integers(),
        max_size=3,
    )


def matching(policy: Policy, request: Request) -> list[Rule]:
    """The rules that match, found the slow way (no index)."""
    return [r for r in policy.rules if r.when.matches(request)]


def is_builtin(decision_rules: tuple[str, ...], policy: Policy) -> bool:
    ids = {r.id for r in policy.rules}
    return any(rule_id not in ids for rule_id in decision_rules)


@given(policies(), requests())
def test_outcome_is_the_strictest_matching_rule_unless_a_builtin_check_denies(
    policy: Policy, request: Request
) -> None:
    decision = evaluate(policy, request)
    matched = matching(policy, request)
    assert decision.bundle_version == policy.version
    assert decision.reasons and len(decision.reasons) == len(decision.matched_rules)
    if decision.matched_rules and is_builtin(decision.matched_rules, policy):
        assert decision.denied or decision.matched_rules == (f"roles.{request.role}",)
    if decision.denied and is_builtin(decision.matched_rules, policy):
        return
    if not matched:
        assert decision.allowed
        assert decision.matched_rules == (f"roles.{request.role}",)
        return
    assert decision.outcome == max(r.outcome for r in matched)
    assert sorted(decision.matched_rules) == sorted(r.id for r in matched)
    deciding = policy.rules[
        [r.id for r in policy.rules].index(decision.matched_rules[0])
    ]
    assert deciding.outcome == decision.outcome


@given(policies(), requests())
def test_deny_wins(policy: Policy, request: Request) -> None:
    if any(r.outcome is Outcome.DENY for r in matching(policy, request)):
        assert evaluate(policy, request).denied


@given(policies(), requests(), rule(st.just(Outcome.ALLOW)), st.integers(0, 12))
def test_adding_an_allow_rule_never_turns_a_deny_into_allow(
    policy: Policy, request: Request, allow: Rule, position: int
) -> None:
    before = evaluate(policy, request)
    rules = list(policy.rules)
    rules.insert(position, replace(allow, id="added-allow"))
    after = evaluate(replace(policy, rules=tuple(rules)), request)
    if before.denied:
        assert after.denied
    assert after.outcome == before.outcome


@given(policies(), requests(), rule())
def test_adding_any_rule_never_loosens_a_decision(
    policy: Policy, request: Request, extra: Rule
) -> None:
    before = evaluate(policy, request)
    after = evaluate(
        replace(policy, rules=(*policy.rules, replace(extra, id="added"))), request
    )
    assert after.outcome >= before.outcome


@given(policies(), requests(), amounts, amounts)
def test_outcome_is_monotonic_in_the_amount(
    policy: Policy, request: Request, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    at_low = evaluate(policy, replace(request, amount=low))
    at_high = evaluate(policy, replace(request, amount=high))
    assert at_low.outcome <= at_high.outcome


@given(policies(), requests(), st.integers(0, 200), st.integers(0, 200))
def test_outcome_is_monotonic_in_the_quantity(
    policy: Policy, request: Request, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    at_low = evaluate(policy, replace(request, quantity=low))
    at_high = evaluate(policy, replace(request, quantity=high))
    assert at_low.outcome <= at_high.outcome


@given(policies(), requests(), confidences, confidences)
def test_lower_model_confidence_is_never_more_permissive(
    policy: Policy, request: Request, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    at_low = evaluate(policy, replace(request, model_confidence=low))
    at_high = evaluate(policy, replace(request, model_confidence=high))
    assert at_low.outcome >= at_high.outcome


@given(policies(), requests())
def test_evaluate_is_deterministic(policy: Policy, request: Request) -> None:
    copy = replace(request, args=dict(request.args))
    assert (
        evaluate(policy, request) == evaluate(policy, copy) == evaluate(policy, request)
    )


@given(policies(old=True), requests(), origins())
def test_a_policy_without_origin_rules_decides_as_before_whatever_the_origins(
    policy: Policy, request: Request, other: dict[str, object]
) -> None:
    before = evaluate(policy, replace(request, arg_origins={}))
    after = evaluate(policy, replace(request, arg_origins=other))
    assert after == before
    assert not after.interactive
    assert "interactive" not in after.as_dict()


@given(policies(), requests())
def test_a_decision_is_interactive_exactly_when_a_matching_rule_asks_for_a_prompt(
    policy: Policy, request: Request
) -> None:
    decision = evaluate(policy, request)
    asks = any(r.interactive for r in matching(policy, request))
    if decision.outcome in INTERACTIVE and not is_builtin(
        decision.matched_rules, policy
    ):
        assert decision.interactive is asks
    else:
        assert not decision.interactive
    assert decision.needs_interactive_confirmation is decision.interactive


@given(policies(), requests(), rule())
def test_adding_a_rule_never_drops_a_prompt_unless_it_denies(
    policy: Policy, request: Request, extra: Rule
) -> None:
    before = evaluate(policy, request)
    after = evaluate(
        replace(policy, rules=(*policy.rules, replace(extra, id="added"))), request
    )
    if before.interactive:
        assert after.interactive or after.denied


@given(policies(), requests(), st.sampled_from(ARG_NAMES))
def test_an_unreadable_origin_is_judged_as_unknown(
    policy: Policy, request: Request, arg: str
) -> None:
    bogus = evaluate(policy, replace(request, arg_origins={arg: "pasted"}))
    unknown = evaluate(policy, replace(request, arg_origins={arg: "unknown"}))
    missing = evaluate(policy, replace(request, arg_origins={}))
    assert bogus == unknown == missing


@given(policies(), requests(), st.sampled_from(FRESHNESS_INPUTS), ages, ages)
def test_older_data_is_never_more_permissive(
    policy: Policy, request: Request, name: str, a: float, b: float
) -> None:
    young, old = sorted((a, b))

    def at(age: float | None) -> Outcome:
        known = {k: v for k, v in request.freshness.ages.items() if k != name}
        if age is not None:
            known[name] = age
        freshness = replace(request.freshness, ages=MappingProxyType(known))
        return evaluate(policy, replace(request, freshness=freshness)).outcome

    assert at(young) <= at(old) <= at(None)  # an unknown age is the oldest


@given(policies(ageless=True), requests(), freshnesses())
def test_a_policy_without_age_rules_decides_as_before_whatever_the_ages(
    policy: Policy, request: Request, other: Freshness
) -> None:
    assert evaluate(policy, replace(request, freshness=other)) == evaluate(
        policy, replace(request, freshness=Freshness())
    )


@given(policies(), requests())
def test_a_rule_on_ages_names_the_ages_it_found_in_its_reason(
    policy: Policy, request: Request
) -> None:
    decision = evaluate(policy, request)
    by_id = {r.id: r for r in policy.rules}
    for rule_id, reason in zip(decision.matched_rules, decision.reasons, strict=True):
        rule = by_id.get(rule_id)
        if rule is None:
            continue
        for name in rule.when.older_than or {}:
            assert describe_input(name, request.freshness) in reason
        if not (rule.when.older_than or rule.when.job_not_in_book):
            assert reason == rule.reason
