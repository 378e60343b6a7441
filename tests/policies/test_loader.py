"""Policy source files: what compiles, and errors that name file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import (
    Outcome,
    PolicyFileError,
    load_policy_dir,
    policy_from_sources,
    read_policy_sources,
)
from policies.defaults import SOURCE_DIR

CATALOGUE = """
[tools]
search_kb = "read"
order_part = "order"

[roles.technician]
tools = ["search_kb", "order_part"]
"""
RULE = """
[[rules]]
id = "parts-over-250"
outcome = "approve"
reason = "Parts orders over 250 need approval."
when.tools = ["order_part"]
when.amount_over = 250
"""


def compile_rules(rules: str, **more: str) -> None:
    policy_from_sources({"catalogue.toml": CATALOGUE, "rules.toml": rules, **more})


def test_default_policy_compiles_with_every_kind_of_rule() -> None:
    policy = load_policy_dir(SOURCE_DIR)
    assert len(policy.tools) == 13
    assert set(policy.roles) == {"technician", "senior_technician", "apprentice"}
    assert {rule.outcome for rule in policy.rules} == set(Outcome)
    assert policy.kill_switches.action_types == frozenset({"delete"})
    assert policy.version == 0


def test_price_tolerance_is_read_from_freshness_and_defaults_to_exact() -> None:
    assert policy_from_sources({"c.toml": CATALOGUE}).price_tolerance == 0.0
    given = {"c.toml": CATALOGUE, "f.toml": "[freshness]\nprice_tolerance = 0.05\n"}
    assert policy_from_sources(given).price_tolerance == 0.05


def test_origin_conditions_and_interactive_rules_compile() -> None:
    rules = RULE.replace("when.amount_over = 250", "") + (
        'interactive = true\nwhen.arg_origins.part_number = ["photo", "unknown"]\n'
    )
    (rule,) = policy_from_sources({"c.toml": CATALOGUE, "r.toml": rules}).rules
    assert rule.interactive is True
    assert dict(rule.when.arg_origins or {}) == {
        "part_number": frozenset({"photo", "unknown"})
    }


def test_age_conditions_compile_to_seconds() -> None:
    rules = RULE + (
        'when.older_than = { job_book = "48h", kb = "30d", sync = "90m" }\n'
        "when.job_not_in_book = true\n"
    )
    (rule,) = policy_from_sources({"c.toml": CATALOGUE, "r.toml": rules}).rules
    assert dict(rule.when.older_than or {}) == {
        "job_book": 48 * 3600.0,
        "kb": 30 * 86_400.0,
        "sync": 90 * 60.0,
    }
    assert rule.when.job_not_in_book is True


def test_rules_without_the_new_fields_are_not_interactive() -> None:
    (rule,) = policy_from_sources({"c.toml": CATALOGUE, "r.toml": RULE}).rules
    assert rule.interactive is False
    assert rule.when.arg_origins is None


def test_rules_keep_file_and_source_order() -> None:
    second = RULE.replace("parts-over-250", "b-rule")
    policy = policy_from_sources(
        {"a.toml": CATALOGUE + RULE, "b.toml": second, "c.toml": ""}
    )
    assert [r.id for r in policy.rules] == ["parts-over-250", "b-rule"]
    rule = policy.rules[0]
    assert rule.when.amount_over == 250.0
    assert rule.when.tools == frozenset({"order_part"})


@pytest.mark.parametrize(
    ("rules", "rule", "field", "problem"),
    [
        (
            RULE.replace('"approve"', '"perhaps"'),
            "parts-over-250",
            "outcome",
            "expected one of",
        ),
        (
            RULE.replace("= 250", '= "lots"'),
            "parts-over-250",
            "when.amount_over",
            "expected a number",
        ),
        (
            RULE.replace("= 250", "= -1"),
            "parts-over-250",
            "when.amount_over",
            "at least 0",
        ),
        (
            RULE.replace("= 250", "= nan"),
            "parts-over-250",
            "when.amount_over",
            "at least 0",
        ),
        (
            RULE.replace("= 250", "= inf"),
            "parts-over-250",
            "when.amount_over",
            "at least 0",
        ),
        (
            RULE.replace("amount_over", "amount_above"),
            "parts-over-250",
            "when.amount_above",
            "unknown field",
        ),
        (
            RULE.replace('["order_part"]', '["order_parts"]'),
            "parts-over-250",
            "when.tools[0]",
            "not a known tool",
        ),
        (
            RULE.replace('["order_part"]', "[]"),
            "parts-over-250",
            "when.tools",
            "non-empty list",
        ),
        (
            RULE.replace('["order_part"]', '"order_part"'),
            "parts-over-250",
            "when.tools",
            "list of strings",
        ),
        (
            RULE + "when.roles = ['boss']\n",
            "parts-over-250",
            "when.roles[0]",
            "not a known role",
        ),
        (
            RULE + "when.action_types = ['destroy']\n",
            "parts-over-250",
            "when.action_types[0]",
            "not a known action type",
        ),
        (
            RULE + "when.quantity_over = 2.5\n",
            "parts-over-250",
            "when.quantity_over",
            "whole number",
        ),
        (
            RULE + "when.confidence_below = 1.5\n",
            "parts-over-250",
            "when.confidence_below",
            "from 0 to 1",
        ),
        (
            RULE + "when.not_grounded = 'yes'\n",
            "parts-over-250",
            "when.not_grounded",
            "true or false",
        ),
        (
            RULE + "when.sites = ['*-NORTH']\n",
            "parts-over-250",
            "when.sites[0]",
            "'*' may only end",
        ),
        (
            RULE + "when.args.status = 3\n",
            "parts-over-250",
            "when.args.status",
            "list of strings",
        ),
        (RULE + "colour = 'red'\n", "parts-over-250", "colour", "unknown field"),
        (
            RULE.replace('reason = "Parts orders over 250 need approval."\n', ""),
            "parts-over-250",
            "reason",
            "is required",
        ),
        (RULE.replace('id = "parts-over-250"\n', ""), "#1", "id", "is required"),
        (
            RULE.replace('"parts-over-250"', '"Parts Over 250"'),
            "Parts Over 250",
            "id",
            "lower-case",
        ),
        (RULE + RULE, "parts-over-250", "id", "already used"),
        (
            RULE + 'when.arg_origins.part_number = ["web"]\n',
            "parts-over-250",
            "when.arg_origins.part_number[0]",
            "'web' is not an argument origin; expected one of typed, photo, "
            "document, model, unknown",
        ),
        (
            RULE + "when.arg_origins = {}\n",
            "parts-over-250",
            "when.arg_origins",
            "at least one argument",
        ),
        (
            RULE + 'when.arg_origins.part_number = "photo"\n',
            "parts-over-250",
            "when.arg_origins.part_number",
            "non-empty list of strings",
        ),
        (
            RULE + 'when.arg_origins."part number" = ["photo"]\n',
            "parts-over-250",
            "when.arg_origins.part number",
            "not a valid argument name",
        ),
        (
            RULE + 'when.arg_origin.part_number = ["photo"]\n',
            "parts-over-250",
            "when.arg_origin",
            "unknown field",
        ),
        (
            RULE.replace('"approve"', '"deny"') + "interactive = true\n",
            "parts-over-250",
            "interactive",
            "applies only to confirm and approve rules",
        ),
        (
            RULE.replace('"approve"', '"allow"') + "interactive = true\n",
            "parts-over-250",
            "interactive",
            "not to allow",
        ),
        (
            RULE + 'interactive = "yes"\n',
            "parts-over-250",
            "interactive",
            "expected true or false",
        ),
        (
            RULE + 'when.older_than.job_book = "48 hours"\n',
            "parts-over-250",
            "when.older_than.job_book",
            "is not an age; write a number and a unit: s, m, h, d or w",
        ),
        (
            RULE + "when.older_than.job_book = 48\n",
            "parts-over-250",
            "when.older_than.job_book",
            'expected an age with a unit such as "48h"',
        ),
        (
            RULE + 'when.older_than.job_book = "0h"\n',
            "parts-over-250",
            "when.older_than.job_book",
            "must be more than 0",
        ),
        (
            RULE + 'when.older_than.job_book = "4000d"\n',
            "parts-over-250",
            "when.older_than.job_book",
            "at most 3650d",
        ),
        (
            RULE + 'when.older_than.weather = "30d"\n',
            "parts-over-250",
            "when.older_than.weather",
            "not an input with an age; expected one of sync, job_book, kb, asset",
        ),
        (
            RULE + "when.older_than = {}\n",
            "parts-over-250",
            "when.older_than",
            "expected at least one of sync, job_book, kb",
        ),
        (
            RULE + 'when.job_not_in_book = "yes"\n',
            "parts-over-250",
            "when.job_not_in_book",
            "expected true or false",
        ),
    ],
)
def test_rule_errors_name_file_rule_and_field(
    rules: str, rule: str, field: str, problem: str
) -> None:
    with pytest.raises(PolicyFileError) as info:
        compile_rules(rules)
    error = info.value
    assert (error.file, error.rule, error.field) == ("rules.toml", rule, field)
    assert problem in error.problem
    assert error.message.startswith(f"rules.toml, rule {rule!r}, field {field!r}: ")


@pytest.mark.parametrize(
    ("files", "file", "field", "problem"),
    [
        ({"x.toml": "tools = ["}, "x.toml", None, "not valid TOML"),
        ({"x.toml": "[rulez]\n"}, "x.toml", "rulez", "unknown field"),
        (
            {"x.toml": '[tools]\nsearch_kb = "read"\n'},
            "(policy files)",
            None,
            "no file defines [roles]",
        ),
        (
            {"x.toml": '[tools]\nsearch_kb = "peek"\n'},
            "x.toml",
            "tools.search_kb",
            "not an action type",
        ),
        (
            {"x.toml": '[tools]\nsearch_kb = "read"\n[roles.t]\n'},
            "x.toml",
            "roles.t.tools",
            "is required",
        ),
        (
            {"x.toml": '[tools]\nsearch_kb = "read"\n[roles.t]\ntools = ["fly"]\n'},
            "x.toml",
            "roles.t.tools[0]",
            "not a known tool",
        ),
        (
            {"x.toml": '[tools]\nsearch_kb = "read"\n'},
            "(policy files)",
            None,
            "[roles]",
        ),
        (
            {"y.toml": '[tools]\nsearch_kb = "read"\n'},
            "y.toml",
            "tools.search_kb",
            "already defined in catalogue.toml",
        ),
        (
            {"y.toml": "[budgets]\nanswer_max_tokens = 0\n"},
            "y.toml",
            "budgets.answer_max_tokens",
            "at least 1",
        ),
        (
            {"y.toml": "[budgets.tool_timeouts_ms]\nfly = 3\n"},
            "y.toml",
            "budgets.tool_timeouts_ms.fly",
            "not a known tool",
        ),
        (
            {"y.toml": "[kill_switches]\ntools = ['fly']\n"},
            "y.toml",
            "kill_switches.tools[0]",
            "not a known tool",
        ),
        (
            {"y.toml": "[kill_switches]\nagent = 1\n"},
            "y.toml",
            "kill_switches.agent",
            "true or false",
        ),
        (
            {"y.toml": "[freshness]\nprice_tolerance = 1.5\n"},
            "y.toml",
            "freshness.price_tolerance",
            "from 0 to 1",
        ),
        (
            {"y.toml": "[freshness]\nprice_tolerance = '5%'\n"},
            "y.toml",
            "freshness.price_tolerance",
            "expected a number",
        ),
        (
            {"y.toml": "[freshness]\nprice_slack = 0.1\n"},
            "y.toml",
            "freshness.price_slack",
            "",
        ),
        (
            {"y.toml": "[redaction]\nfields = 'phone'\n"},
            "y.toml",
            "redaction.fields",
            "list of strings",
        ),
        (
            {"y.toml": "[redaction]\n", "z.toml": "[redaction]\n"},
            "z.toml",
            "redaction",
            "already defined in y.toml",
        ),
        ({"../evil.toml": ""}, "../evil.toml", None, "not a valid policy file name"),
    ],
)
def test_file_errors_name_file_and_field(
    files: dict[str, str], file: str, field: str | None, problem: str
) -> None:
    sources = files if "x.toml" in files else {"catalogue.toml": CATALOGUE, **files}
    with pytest.raises(PolicyFileError) as info:
        policy_from_sources(sources)
    assert (info.value.file, info.value.field) == (file, field)
    assert problem in info.value.problem


def test_reading_a_folder_takes_toml_files_only(tmp_path: Path) -> None:
    (tmp_path / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULE, encoding="utf-8")
    (tmp_path / "README.md").write_text("not policy", encoding="utf-8")
    assert list(read_policy_sources(tmp_path)) == ["catalogue.toml", "rules.toml"]
    assert [r.id for r in load_policy_dir(tmp_path).rules] == ["parts-over-250"]


def test_reading_reports_missing_empty_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot list"):
        read_policy_sources(tmp_path / "nowhere")
    with pytest.raises(PolicyFileError, match="no .toml policy files"):
        read_policy_sources(tmp_path)
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe[tools]")
    with pytest.raises(PolicyFileError) as info:
        read_policy_sources(tmp_path)
    assert (info.value.file, info.value.problem) == ("bad.toml", "is not UTF-8 text")
