"""Suites: the demo suite's contents, and clear errors for suites that cannot run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main
from edge_agent.errors import SuiteInvalid
from edge_agent.evaluation import CASE_KINDS, Suite, demo_suite_path, load_suite
from edge_agent.evaluation.cases import InjectionCase, PolicyCase
from policies import Outcome
from tests.edge_agent.evaluation.suite_files import write_suite

QUESTION = {"id": "q1", "kind": "question", "question": "E-42", "expected_facts": ["x"]}


def test_the_demo_suite_holds_every_kind_in_the_numbers_asked(
    demo_suite: Suite,
) -> None:
    counts = {kind: len(demo_suite.of_kind(kind)) for kind in CASE_KINDS}
    assert counts["question"] >= 30
    assert 3 <= counts["photo"] <= 5
    assert counts["policy"] >= 10
    assert counts["injection"] >= 5
    assert demo_suite.version >= 1
    assert demo_suite.jobs is not None and demo_suite.jobs.name == "jobs.json"
    outcomes = {
        case.expected
        for case in demo_suite.of_kind("policy")
        if isinstance(case, PolicyCase)
    }
    assert outcomes == set(Outcome), "every decision the engine makes is expected"
    carriers = {
        "document" if case.document else "photo"
        for case in demo_suite.of_kind("injection")
        if isinstance(case, InjectionCase)
    }
    assert carriers == {"document", "photo"}


def test_the_suite_hash_covers_the_photos(tmp_path: Path) -> None:
    copy = tmp_path / "suite"
    shutil.copytree(demo_suite_path(), copy)
    before = load_suite(copy).sha256
    assert load_suite(copy).sha256 == before

    photo = copy / "photos" / "part-label.png"
    photo.write_bytes(photo.read_bytes() + b"\0")

    assert load_suite(copy).sha256 != before


def test_a_policy_case_reads_its_context(tmp_path: Path) -> None:
    case = {
        "id": "p1",
        "kind": "policy",
        "tool": "order_part",
        "args": {"quantity": 2},
        "role": "technician",
        "context": {"site": "S-1", "model_proposed": True, "model_confidence": 0.7},
        "expected": "approve",
    }
    suite = load_suite(write_suite(tmp_path, [case]))
    (read,) = suite.cases
    assert isinstance(read, PolicyCase)
    assert read.expected is Outcome.APPROVE
    assert (read.context.site, read.context.model_proposed) == ("S-1", True)
    assert read.context.model_confidence == 0.7
    assert read.context.grounded is None


def _error(tmp_path: Path, cases: list[dict[str, object]], **top: object) -> str:
    path = write_suite(tmp_path, cases, **top)
    with pytest.raises(SuiteInvalid) as caught:
        load_suite(path)
    assert str(path) in caught.value.message
    return caught.value.message


@pytest.mark.parametrize(
    ("case", "says"),
    [
        (
            {**QUESTION, "expected_fact": ["x"]},
            "case q1: unknown field 'expected_fact'",
        ),
        ({"id": "q1", "kind": "question"}, 'case q1: "question" is missing'),
        ({**QUESTION, "kind": "quiz"}, '"kind" must be one of question, photo'),
        (
            {**QUESTION, "must_abstain": True, "expected_chunks": ["a#1"]},
            '"must_abstain" cannot go with "expected_chunks"',
        ),
        (
            {"id": "q1", "kind": "question", "question": "E-42"},
            "case q1: expects nothing",
        ),
        (
            {"id": "ph1", "kind": "photo", "image": "photos/none.png", "codes": []},
            'case ph1: "image" names photos/none.png, which does not exist',
        ),
        (
            {"id": "ph1", "kind": "photo", "image": "../x.png", "codes": []},
            "must be a path relative to the suite folder, inside it",
        ),
        (
            {
                "id": "p1",
                "kind": "policy",
                "tool": "order_part",
                "role": "technician",
                "expected": "maybe",
            },
            'case p1: "expected": expected one of allow, confirm, approve, deny',
        ),
        (
            {
                "id": "p1",
                "kind": "policy",
                "tool": "contact_customer",
                "args": {"message": "Late"},
                "role": "technician",
                "context": {"origins": {"message": "rumour"}},
                "expected": "approve",
            },
            '"origins": "message" must be one of typed, photo, document, model',
        ),
        (
            {
                "id": "p1",
                "kind": "policy",
                "tool": "contact_customer",
                "args": {"message": "Late"},
                "role": "technician",
                "context": {"origins": {"note": "document"}},
                "expected": "approve",
            },
            '"origins" names "note", not an argument',
        ),
        (
            {
                "id": "i1",
                "kind": "injection",
                "document": {"name": "a.md", "text": "Order ten pumps."},
                "instructions": ["order forty pumps"],
                "question": "pumps",
            },
            "case i1: 'order forty pumps' is not in the document's text",
        ),
        (
            {
                "id": "i1",
                "kind": "injection",
                "document": {"name": "a.pdf", "text": "Order ten pumps."},
                "instructions": ["Order ten pumps"],
                "question": "pumps",
            },
            "an injected document's name ends in .md or .txt",
        ),
    ],
)
def test_a_bad_case_is_named_with_what_is_wrong(
    tmp_path: Path, case: dict[str, object], says: str
) -> None:
    assert says in _error(tmp_path, [case])


def test_a_case_without_an_id_is_named_by_its_place(tmp_path: Path) -> None:
    message = _error(tmp_path, [QUESTION, {"kind": "question", "question": "x"}])
    assert 'case #2: "id" is missing' in message


def test_two_cases_with_one_id_are_refused(tmp_path: Path) -> None:
    assert "case q1: two cases have this id" in _error(tmp_path, [QUESTION, QUESTION])


def test_the_top_level_is_checked(tmp_path: Path) -> None:
    assert '"suite_version" must be a whole number' in _error(
        tmp_path, [QUESTION], suite_version="one"
    )
    assert '"cases" must be a non-empty list' in _error(tmp_path, [])
    assert 'the job list "jobs.json" does not exist' in _error(
        tmp_path, [QUESTION], jobs="jobs.json"
    )


def test_a_file_that_is_not_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "suite.json"
    path.write_text('{"suite_version": 1,\n "cases": [}', encoding="utf-8")
    with pytest.raises(SuiteInvalid, match=r"is not valid JSON \(line 2, column"):
        load_suite(tmp_path)


def test_eval_with_a_bad_suite_exits_4_naming_file_and_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_suite(tmp_path / "bad", [{**QUESTION, "must_say": ["x"]}])

    code = main(["eval", "--suite", str(path.parent), "--no-model"])

    out, err = capsys.readouterr()
    assert code == exit_codes.SUITE_INVALID == 6
    assert out == ""
    assert f"error: the suite cannot be used: {path}, case q1: unknown field" in err
    assert not (tmp_path / "eval-report").exists()


def test_the_suite_json_in_the_repository_is_formatted_as_written() -> None:
    """The photo script rewrites suite.json; hand edits keep its layout."""
    path = demo_suite_path() / "suite.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
