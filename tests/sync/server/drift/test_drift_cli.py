"""``edge-governance drift`` (text, JSON, HTML, alerts), ``drift unanswered``
and ``turns to-case``; the cases they write are read by the real suite
reader of ``edge-agent eval``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_agent.errors import SuiteInvalid
from edge_agent.evaluation.suite import load_suite
from sync.server.__main__ import main
from tests.sync.server.drift.field_turns import MONDAY, ask, photo

PERIOD = ("--since", "2026-02-23", "--weeks", "4")


@pytest.fixture
def cli(tmp_path: Path, fleet, capsys: pytest.CaptureFixture[str]):
    """Run a command on the fleet's database, with its data folder."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "drift.toml").write_text("min_turns = 1\n", encoding="utf-8")

    def run(*args: str) -> tuple[int, str, str]:
        url = f"sqlite:///{tmp_path / 'centre.db'}"
        code = main(["--database-url", url, "--data-dir", str(data), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_drift_prints_weeks_releases_questions_and_alerts(cli) -> None:
    code, out, _ = cli("drift", *PERIOD)
    assert code == 0
    assert "2026-W10" in out and "2026-W11" in out and "r2" in out
    assert "drain plug location dg-60 (+2 alike)" in out
    assert "ALERT 2026-W10: nothing_found_rate is 50.0%, above the maximum" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_fail_on_alert_exits_1_and_no_alert_exits_0(cli, tmp_path) -> None:
    assert cli("drift", *PERIOD, "--fail-on-alert")[0] == 1
    (tmp_path / "data" / "drift.toml").write_text("min_turns = 1000\n")
    assert cli("drift", *PERIOD, "--fail-on-alert")[0] == 0


def test_a_bad_threshold_file_is_a_configuration_error(cli, tmp_path) -> None:
    (tmp_path / "data" / "drift.toml").write_text("max_denial_rate = 3\n")
    code, _, err = cli("drift", *PERIOD)
    assert code == 2 and "drift.toml" in err and "max_denial_rate" in err


def test_drift_json_holds_the_same_figures(cli) -> None:
    code, out, _ = cli("drift", *PERIOD, "--json")
    report = json.loads(out)
    assert code == 0 and report["turns"] == 10
    week = report["weeks"][0]
    assert week["week"] == "2026-W10" and week["nothing_found_rate"] == 0.5
    assert {a["figure"] for a in report["alerts"]} >= {"nothing_found_rate"}
    assert report["unanswered"][0]["count"] == 3


def test_drift_html_page_has_plots_and_tables(cli, tmp_path) -> None:
    page = tmp_path / "drift.html"
    code, out, _ = cli("drift", *PERIOD, "--html", str(page))
    text = page.read_text()
    assert code == 0 and f"Wrote the page to {page}" in out
    assert text.count("<svg") == 3
    assert "Per release" in text and "drain plug location dg-60" in text
    assert "nothing_found_rate is 50.0%" in text


def test_unanswered_cases_are_refused_by_the_suite_reader_until_filled(
    cli, tmp_path
) -> None:
    out_file = tmp_path / "suite" / "suite.json"
    code, out, _ = cli("drift", "unanswered", *PERIOD, "--out", str(out_file))
    assert code == 0 and "Added 2 case(s)" in out
    document = json.loads(out_file.read_text())
    first = document["cases"][0]
    assert first["must_abstain"] is False
    assert "3 time(s) on 1 device(s)" in first["note"] and "d1/t1" in first["note"]
    with pytest.raises(SuiteInvalid, match="expects nothing"):
        load_suite(out_file)
    for case in document["cases"]:
        case["expected_facts"] = ["drain plug"]
    out_file.write_text(json.dumps(document))
    suite = load_suite(out_file)
    assert [c.question for c in suite.cases] == [
        "drain plug location dg-60",
        "how to reset the controller",
    ]
    again = cli("drift", "unanswered", *PERIOD, "--out", str(out_file))[1]
    assert "Added 0 case(s)" in again and "2 were there already" in again


def test_a_reviewed_question_turn_becomes_a_case_the_reader_loads(cli, tmp_path):
    target = tmp_path / "field"
    target.mkdir()
    code, out, _ = cli(
        "turns", "to-case", "t3", "--expect-code", "E-42", "--out", str(target)
    )
    assert code == 0 and "Added question case field-t3" in out
    code, _, _ = cli("turns", "to-case", "t1", "--must-abstain", "--out", str(target))
    suite = load_suite(target)
    assert suite.version == 2
    lookup, abstain = suite.cases
    assert lookup.question == "E-42" and lookup.expected_codes == ("E-42",)
    assert abstain.must_abstain and "d1" in abstain.note


def test_a_photo_turn_becomes_a_case_once_its_photo_is_copied(
    cli, fleet, tmp_path
) -> None:
    fleet.send("d1", [photo("p9", MONDAY, [("fault_code", "E-42", 0.95)])])
    target = tmp_path / "field" / "suite.json"
    code, out, _ = cli("turns", "to-case", "p9", "--out", str(target))
    assert code == 0 and "Copy the photo" in out
    case = json.loads(target.read_text())["cases"][0]
    assert case["codes"] == [{"kind": "fault_code", "value": "E-42"}]
    with pytest.raises(SuiteInvalid, match="does not exist"):
        load_suite(target)
    image = target.parent / case["image"]
    image.parent.mkdir()
    image.write_bytes(b"a photo")
    (loaded,) = load_suite(target).cases
    assert loaded.codes == (("fault_code", "E-42"),)


def test_to_case_refuses_what_it_cannot_make_and_writes_nothing(cli, fleet, tmp_path):
    target = tmp_path / "suite.json"
    code, _, err = cli("turns", "to-case", "t3", "--out", str(target))
    assert code == 1 and "--expect-code, --expect-text or --must-abstain" in err
    code, _, err = cli("turns", "to-case", "t7", "--must-abstain", "--out", str(target))
    assert code == 1 and "'propose' turn" in err
    code, _, err = cli(
        "turns", "to-case", "nope", "--must-abstain", "--out", str(target)
    )
    assert code == 1 and "No turn nope" in err
    assert not target.exists()
    target.write_text("not json")
    code, _, err = cli("turns", "to-case", "t1", "--must-abstain", "--out", str(target))
    assert code == 1 and "not valid JSON" in err
    assert target.read_text() == "not json"
    fleet.device("d2")
    fleet.send("d2", [ask("t1", MONDAY, "other", "quotes")])
    code, _, err = cli("turns", "to-case", "t1", "--must-abstain", "--out", "x.json")
    assert code == 1 and "--device" in err
