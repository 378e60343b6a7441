"""The drift report's figures, per ISO week and per release, on turns whose
figures are worked out by hand (see conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sync.server.drift import DriftThresholds, drift_report, week_start
from sync.server.drift.turn_facts import read_turn
from tests.sync.server.drift.conftest import WEEK
from tests.sync.server.drift.field_turns import MONDAY, Fleet, ask

SINCE = MONDAY - WEEK
UNTIL = MONDAY + 3 * WEEK
LOW = DriftThresholds(min_turns=1)


def report(fleet: Fleet, thresholds: DriftThresholds = LOW, **kwargs):
    return drift_report(
        fleet.storage, since=SINCE, until=UNTIL, thresholds=thresholds, **kwargs
    )


def test_a_weeks_figures_are_counted_from_its_turns(fleet) -> None:
    first, second = report(fleet).weeks
    assert (first.week, second.week) == ("2026-W10", "2026-W11")
    figures = first.figures
    assert figures.turns == 8
    assert figures.kinds == {"ask": 4, "correction": 1, "photo": 1, "propose": 2}
    assert figures.routes == {
        "code_lookup": 1,
        "quotes": 0,
        "explanation": 1,
        "not_found": 2,
    }
    assert figures.nothing_found_rate == 0.5
    assert (figures.sentences_kept, figures.sentences_dropped) == (2, 2)
    assert figures.dropped_sentence_share == 0.5
    assert figures.codes_read == 2 and figures.photo_confidence == 0.8
    assert figures.corrections == 1 and figures.correction_rate == 0.5
    assert (figures.decisions, figures.denials, figures.denial_rate) == (2, 1, 0.5)
    assert (figures.actions, figures.quarantined) == (1, 1)
    assert (figures.allowed_then_held, figures.held_then_allowed) == (1, 0)
    assert figures.disagreement_rate == 1.0
    assert figures.model_turns == 1 and figures.tokens_per_model_turn == 360
    # 1 + 1 + 0.5 + 1 (questions), 2 (photo), 0.2 (correction), 0.5 + 0.5
    assert figures.seconds_per_turn == pytest.approx(6.7 / 8, abs=1e-3)
    assert figures.seconds_p95 == pytest.approx(2.0, abs=1e-3)


def test_a_turn_from_an_older_device_without_a_route_is_read_from_its_retrieval(
    fleet,
) -> None:
    second = report(fleet).weeks[1].figures
    assert second.questions == 2 and second.routes["not_found"] == 2
    assert second.decisions == 0 and second.denial_rate is None


def test_turns_are_put_under_the_release_the_device_ran_or_their_recorded_versions(
    fleet,
) -> None:
    cells = {(c.week, c.release): c.figures.turns for c in report(fleet).cells}
    # Week 10: before the device's move to r2; the decisions' policy v3 and
    # the explanation's model file are r1's, the other turns record nothing.
    assert cells == {
        ("2026-W10", "r1"): 3,
        ("2026-W10", "unknown"): 5,
        ("2026-W11", "r2"): 2,
    }
    names = [r.release for r in report(fleet).by_release]
    assert names == ["r1", "r2", "unknown"]


def test_a_report_for_one_release_counts_only_its_turns(fleet) -> None:
    only = report(fleet, release="r1")
    assert [w.week for w in only.weeks] == ["2026-W10"]
    assert only.weeks[0].figures.turns == 3
    assert only.weeks[0].figures.denial_rate == 0.5
    assert only.unanswered == ()


def test_similar_questions_that_found_nothing_are_grouped(fleet) -> None:
    groups = report(fleet).unanswered
    assert [(g.question, g.count) for g in groups] == [
        ("drain plug location dg-60", 3),
        ("how to reset the controller", 1),
    ]
    plug = groups[0]
    assert {w for w, _ in plug.wordings} == {
        "drain plug location dg-60",
        "where is the drain plug on the DG-60",
        "the drain plug DG-60 where",
    }
    assert plug.devices == ("d1",) and plug.weeks == ("2026-W10", "2026-W11")
    assert {t.trace_id for t in plug.turns} == {"t1", "t2", "u2"}


def test_alerts_name_the_figure_week_value_and_threshold(fleet) -> None:
    alerts = report(fleet).alerts
    found = {(a.figure, a.week) for a in alerts}
    assert ("nothing_found_rate", "2026-W10") in found
    assert ("nothing_found_rate", "2026-W11") in found
    assert ("photo_confidence", "2026-W10") not in found  # 0.8 is not below 0.8
    nothing = next(a for a in alerts if a.figure == "nothing_found_rate")
    assert nothing.message == (
        "2026-W10: nothing_found_rate is 50.0%, above the maximum of 25.0%"
    )


def test_no_alert_below_the_thresholds_or_in_a_quiet_week(fleet) -> None:
    lenient = DriftThresholds(
        min_turns=1,
        max_nothing_found_rate=1,
        max_dropped_sentence_share=1,
        min_photo_confidence=0,
        max_correction_rate=1,
        max_denial_rate=1,
        max_quarantine_rate=1,
        max_disagreement_rate=1,
    )
    assert report(fleet, lenient).alerts == ()
    assert report(fleet, replace(LOW, min_turns=20)).alerts == ()


def test_weeks_start_on_monday_midnight_utc(storage) -> None:
    fleet = Fleet(storage)
    fleet.device("d2")
    sunday_night = MONDAY - timedelta(seconds=1)
    fleet.send(
        "d2",
        [
            ask("s1", sunday_night, "q one", "quotes"),
            ask("s2", MONDAY, "q two", "quotes"),
        ],
    )
    weeks = [w.week for w in report(fleet).weeks]
    assert weeks == ["2026-W09", "2026-W10"]
    assert week_start(datetime(2026, 3, 8, 23, 0, tzinfo=UTC)) == MONDAY


def test_an_empty_centre_gives_an_empty_report(storage) -> None:
    empty = drift_report(storage, since=SINCE, until=UNTIL, thresholds=LOW)
    assert empty.weeks == () and empty.alerts == () and empty.total == 0


def test_a_trace_with_odd_attributes_counts_what_it_can() -> None:
    spans = [
        {"name": "chat", "attributes": {"edge.sentences_kept": "many"}},
        {"name": "edge.ocr", "attributes": {"edge.ocr.read": "garbage"}},
        {"name": "edge.retrieval", "attributes": {"edge.query": "[redacted]"}},
    ]
    facts = read_turn("ask", 10, 5, spans)
    assert facts.seconds == 0 and facts.sentences_kept == 0
    assert facts.route == "not_found" and facts.question == ""
