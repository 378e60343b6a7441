"""A tool's arguments as a form: fields from the schema, typed text read back."""

from __future__ import annotations

import json

import pytest

from edge_agent.act.catalogue import TOOLS
from edge_agent.act.form_fields import (
    FieldSpec,
    FormChoices,
    Part,
    choices_from,
    form_fields,
    read_form,
    read_value,
)
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import CodeEntry, CodeKind


def fields_of(tool: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in form_fields(TOOLS[tool].json_schema())}


def test_the_fields_follow_the_schema_in_its_order() -> None:
    names = [s.name for s in form_fields(TOOLS["record_repair"].json_schema())]
    assert names == ["asset_id", "work_done", "job_id", "fault_code", "hours"]


def test_an_order_has_a_typed_part_a_whole_quantity_and_an_optional_job() -> None:
    fields = fields_of("order_part")
    part, quantity, job = fields["part_number"], fields["quantity"], fields["job_id"]
    assert (part.kind, part.required, part.source, part.label) == (
        "text",
        True,
        "part",
        "Part number",
    )
    assert (quantity.kind, quantity.minimum, quantity.maximum) == ("integer", 1, 100)
    assert quantity.hint == "a whole number, 1 to 100"
    assert (job.required, job.source, job.default) == (False, "job", "")


def test_enums_are_choices_with_their_default() -> None:
    priority = fields_of("create_work_order")["priority"]
    assert priority.kind == "choice"
    assert priority.choices == ("low", "normal", "high", "urgent")
    assert (priority.default, priority.required) == ("normal", False)
    status = fields_of("update_work_order")["status"]  # may be null: optional
    assert status.choices == ("in_progress", "waiting_parts", "on_hold")
    assert not status.required


def test_long_text_shows_its_limit() -> None:
    note = fields_of("update_work_order")["note"]
    assert note.long_text and note.hint == "at most 1000 characters"
    assert not fields_of("order_part")["part_number"].long_text


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("two", "Quantity must be a whole number, like 2, not 'two'."),
        ("2.5", "Quantity must be a whole number, like 2, not '2.5'."),
        ("-1", "Quantity must be at least 1."),
        ("0", "Quantity must be at least 1."),
        ("101", "Quantity must be at most 100."),
        ("", "Quantity is needed: type it."),
    ],
)
def test_a_quantity_that_does_not_fit_says_why(typed: str, problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_value(fields_of("order_part")["quantity"], typed)
    assert str(raised.value) == problem


def test_numbers_are_read_as_numbers() -> None:
    assert read_value(fields_of("order_part")["quantity"], " 12 ") == 12
    hours = fields_of("record_repair")["hours"]
    assert read_value(hours, "1.5") == 1.5
    assert read_value(hours, "") is None
    for bad in ("nan", "inf", "lots"):
        with pytest.raises(ValueError, match="Hours must be a number, like 1.5"):
            read_value(hours, bad)


def test_text_too_long_or_an_id_with_spaces_is_refused() -> None:
    summary = fields_of("create_work_order")["summary"]
    with pytest.raises(ValueError, match="too long: 301 characters, at most 300"):
        read_value(summary, "x" * 301)
    with pytest.raises(ValueError, match="letters, digits and _ . - / only"):
        read_value(fields_of("create_work_order")["asset_id"], "PUMP 0451")


def test_a_choice_must_be_one_of_its_values() -> None:
    channel = fields_of("contact_customer")["channel"]
    assert read_value(channel, "sms") == "sms"
    with pytest.raises(ValueError, match="one of phone, sms, email"):
        read_value(channel, "fax")
    with pytest.raises(ValueError, match="Channel is needed: pick one"):
        read_value(channel, "")


def test_a_form_reads_into_arguments_leaving_empty_optional_fields_out() -> None:
    fields = form_fields(TOOLS["order_part"].json_schema())
    reading = read_form(fields, {"part_number": " 4471-G10-131 ", "quantity": "2"})
    assert reading.complete
    assert reading.args == {"part_number": "4471-G10-131", "quantity": 2}
    arguments = TOOLS["order_part"].args.model_validate(reading.args)
    assert arguments.quantity == 2


def test_a_form_with_problems_keeps_the_good_values_and_names_the_bad() -> None:
    fields = form_fields(TOOLS["order_part"].json_schema())
    reading = read_form(fields, {"part_number": "4471-G10-131", "quantity": "two"})
    assert not reading.complete
    assert reading.args == {"part_number": "4471-G10-131"}
    assert list(reading.problems) == ["quantity"]


def catalogue() -> FormChoices:
    entries = [
        CodeEntry(
            "4471-G10-131",
            CodeKind.PART_NUMBER,
            "Strainer cover gasket",
            "parts.csv#7",
            "parts.csv",
            {"unit_price": "9.80", "currency": "EUR", "equipment": "HP-300"},
        ),
        CodeEntry(
            "4471-G10-012",
            CodeKind.PART_NUMBER,
            "Casing gasket",
            "parts.csv#4",
            "parts.csv",
            {"stock_hint": "in stock"},
        ),
    ]
    book = parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))
    return choices_from(book, entries)


def test_a_known_part_is_described_with_its_price_however_it_is_typed() -> None:
    choices = catalogue()
    note = "Strainer cover gasket (HP-300): 9.80 EUR each"
    assert choices.part_note("4471-G10-131") == note
    assert choices.part_note("4471 g10 131") == note
    assert choices.part_note("4471-G10-012") == (
        "Casing gasket: no price in the catalogue, in stock"
    )


def test_a_part_being_typed_or_unknown_says_so() -> None:
    choices = catalogue()
    assert choices.part_note("") == ""
    assert choices.part_note("4471-G10") == "2 parts start with 4471-G10: keep typing."
    assert choices.part_note("4471-G10-13").startswith("4471-G10-131? Strainer")
    assert choices.part_note("9999-X") == "9999-X is not in the parts catalogue."
    assert FormChoices().part_note("4471") == (
        "The parts catalogue is empty: a sync brings it."
    )


def test_jobs_and_assets_are_offered_from_the_job_list() -> None:
    choices = catalogue()
    jobs = {choice.value: choice.label for choice in choices.options("job")}
    assert jobs["J-1001"].startswith("J-1001  Pump trips on overload")
    assets = [choice.value for choice in choices.options("asset")]
    assert "PUMP-0451" in assets and assets == sorted(assets)
    assert choices.options("part") == ()
    assert isinstance(choices.part("4471G10131"), Part)


def test_a_missing_job_is_picked_and_a_missing_part_typed() -> None:
    with pytest.raises(ValueError, match="Job id is needed: pick one"):
        read_value(fields_of("close_work_order")["job_id"], "")
    with pytest.raises(ValueError, match="Part number is needed: type it"):
        read_value(fields_of("order_part")["part_number"], "")
