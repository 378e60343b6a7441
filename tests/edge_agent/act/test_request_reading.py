"""Requests read by rules: tools from verbs, counts from words, codes by the
knowledge base's own formats, jobs and assets from the job list."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from edge_agent.act.request_reading import read_request
from edge_agent.act.request_words import choose_tool, counts, hours, priorities
from edge_agent.jobs import parse_job_book
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore


@pytest.fixture(scope="module")
def demo():
    """The demo KB in memory and its job list; tests only read them."""
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([demo_data_dir()])
        jobs = parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))
        yield kb, jobs


CUSTOMER_KB = {
    "kb.toml": """
[kb]
name = "Ventilation customer"

[[code_formats]]
kind = "part_number"
pattern = '\\d{2}-\\d{4}-[A-Z]{2}'
example = "38-2201-KT"

[[code_formats]]
kind = "fault_code"
pattern = 'F\\d{3}'
example = "F204"

[[code_formats]]
kind = "serial_number"
pattern = 'NV\\d{8}'
example = "NV20231187"
""",
    "parts.csv": "part_number,description,unit_price,currency\n"
    "38-2201-KT,Filter cartridge F7,41.00,EUR\n"
    "38-2202-KT,Filter cartridge M5,36.50,EUR\n"
    "51-0300-BL,Supply fan belt,22.80,EUR\n",
    "faults.csv": "code,description\n"
    "F204,Supply fan fault\n"
    "F310,Filter pressure high\n",
}
CUSTOMER_JOBS = {
    "assets": [
        {
            "asset_id": "AHU-12",
            "model": "NV-400",
            "serial": "NV20231187",
            "site_id": "S-1",
        },
        {
            "asset_id": "AHU-7",
            "model": "NV-250",
            "serial": "NV20190042",
            "site_id": "S-2",
        },
    ],
    "jobs": [
        {
            "job_id": "WO-55012",
            "asset_id": "AHU-12",
            "site_id": "S-1",
            "summary": "Filter alarm",
            "customer_name": "Harbour Offices",
        },
        {
            "job_id": "WO-55013",
            "asset_id": "AHU-7",
            "site_id": "S-2",
            "summary": "Fan noise",
            "customer_name": "Quay Library",
        },
    ],
}


@pytest.fixture(scope="module")
def customer(tmp_path_factory):
    """A customer-like KB whose code shapes are nothing like the demo's."""
    folder: Path = tmp_path_factory.mktemp("customer-kb")
    for name, text in CUSTOMER_KB.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([folder])
        yield kb, parse_job_book(CUSTOMER_JOBS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order two gaskets", {2}),
        ("order a dozen head gaskets", {12}),
        ("need half a dozen strainers", {6}),
        ("two dozen o-rings", {24}),
        ("get me a pair of bearings", {2}),
        ("order couple of valve kits", {2}),
        ("order # x3", {3}),
        ("order 3x #", {3}),
        ("order # x 2", {2}),
        ("order 2 off # transmitter", {2}),
        ("order # qty 4", {4}),
        ("order #, 2 pcs", {2}),
        ("need 2no. # vent valves", {2}),
        ("order 20 #", {20}),
        ("order one starter battery", {1}),
        ("order a single seal kit", {1}),
        ("need the 265 mm impeller", set()),
        ("lead time 2-3 weeks", set()),
        ("be there by 2pm, 16 bar max", set()),
        ("order #", set()),
    ],
)
def test_counts_are_read_in_digits_and_words(text, expected) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("replaced seal, 2.5 hrs", {2.5}),
        ("1.5h on site", {1.5}),
        ("cleared, 45 min", {0.75}),
        ("four hours", {4.0}),
        ("took half an hour", {0.5}),
        ("2000h service complete", set()),
    ],
)
def test_time_spent_is_read_in_hours(text, expected) -> None:
    assert hours(text) == expected


def test_not_urgent_is_low_never_urgent() -> None:
    assert priorities("not urgent, next week") == {"low"}
    assert priorities("urgent wo: fails to start") == {"urgent"}
    assert priorities("asap") == {"urgent"}


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("order two gaskets #", "order_part"),
        ("need 3 x #", "order_part"),
        ("# x1 pls", "order_part"),
        ("open a work order for #, bearing noise", "create_work_order"),
        ("replace impeller on #, urgent", "create_work_order"),
        ("book a repair for #", "create_work_order"),
        ("replaced mech seal, 2.5 hrs", "record_repair"),
        ("log repair # replaced coupling", "record_repair"),
        ("# waiting for parts, gasket on order", "update_work_order"),
        ("close #, replaced wear rings", "close_work_order"),
        ("job done, seal replaced", "close_work_order"),
        ("text the customer that we are late", "contact_customer"),
        ("let the customer know by email", "contact_customer"),
        ("escalate: genset won't start", "escalate_to_supervisor"),
        ("call my supervisor about the order", "escalate_to_supervisor"),
        ("ordr 10 grease cartridges #", "order_part"),
        ("esclate to boss: refusing access", "escalate_to_supervisor"),
        ("clse #, inspection passed", "close_work_order"),
    ],
)
def test_the_tool_is_read_from_verbs(text, tool) -> None:
    assert choose_tool(text, names_a_part="#" in text).tool == tool


def test_a_work_order_or_a_part_on_order_is_no_part_order() -> None:
    assert choose_tool("need a work order for #", names_a_part=False).tool == (
        "create_work_order"
    )
    assert choose_tool("gasket on order", names_a_part=False).tool is None


def test_two_tools_named_as_strongly_name_none() -> None:
    choice = choose_tool("replace the seal and order #", names_a_part=True)
    assert choice.tool is None
    assert "create_work_order" in choice.note and "order_part" in choice.note


def test_the_readme_example_is_read_whole_on_the_demo_kb(demo) -> None:
    kb, jobs = demo
    reading = read_request("order two gaskets 4471-G10-131", store=kb, jobs=jobs)
    assert reading.complete
    assert reading.tool == "order_part"
    assert reading.args == {"part_number": "4471-G10-131", "quantity": 2}


def test_slips_in_codes_and_ids_are_read_by_the_kbs_formats(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "can you order 2 impeller wear rings 4471-w2O-116 for j1004",
        store=kb,
        jobs=jobs,
    )
    assert reading.args == {
        "part_number": "4471-W20-116",
        "quantity": 2,
        "job_id": "J-1004",
    }


def test_a_serial_names_its_asset_and_the_context_job_gives_the_rest(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "raise wo on HFP-204533 - vibration high", store=kb, jobs=jobs
    )
    assert reading.complete
    assert reading.args["asset_id"] == "PUMP-0452"
    assert reading.args["summary"] == "vibration high"
    in_context = read_request(
        "book in a fix for the cooling fan", store=kb, jobs=jobs, job_id="J-1001"
    )
    assert in_context.args["asset_id"] == "PUMP-0451"
    assert in_context.args["job_id"] == "J-1001"


def test_a_message_is_what_follows_the_instruction(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "let the customer know by text that the seal is on order",
        store=kb,
        jobs=jobs,
        job_id="J-1004",
    )
    assert reading.tool == "contact_customer"
    assert reading.args == {
        "job_id": "J-1004",
        "channel": "sms",
        "message": "the seal is on order",
    }


@pytest.mark.parametrize(
    ("text", "channel", "message"),
    [
        ("give the customer a call, the valve is stuck", "phone", "the valve is stuck"),
        ("send a text to the client: arriving at noon", "sms", "arriving at noon"),
        (
            "drop the owner an email that the report is done",
            "email",
            "the report is done",
        ),
        (
            "get in touch with the site contact by phone, gate locked",
            "phone",
            "gate locked",
        ),
        (
            "advise the tenant by email the heating is back",
            "email",
            "the heating is back",
        ),
    ],
)
def test_contact_instructions_in_other_shapes_lead_to_their_message(
    demo, text, channel, message
) -> None:
    kb, jobs = demo
    reading = read_request(text, store=kb, jobs=jobs, job_id="J-1002")
    assert reading.tool == "contact_customer"
    assert reading.args == {"job_id": "J-1002", "channel": channel, "message": message}


def test_a_message_about_closing_still_goes_to_the_customer(demo) -> None:
    """What the message is about names no tool: "the job is done" in it."""
    kb, jobs = demo
    reading = read_request(
        "ping the client that the job is done", store=kb, jobs=jobs, job_id="J-1003"
    )
    assert reading.tool == "contact_customer"
    assert reading.args["message"] == "the job is done"


def test_an_instruction_to_the_supervisor_is_no_customer_contact(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "give the supervisor a call about J-1003", store=kb, jobs=jobs
    )
    assert reading.tool == "escalate_to_supervisor"


def test_customer_formats_are_read_not_the_demos(customer) -> None:
    kb, jobs = customer
    order = read_request("order 38-22O1-KT x3 for WO-55013", store=kb, jobs=jobs)
    assert order.complete
    assert order.args == {
        "part_number": "38-2201-KT",
        "quantity": 3,
        "job_id": "WO-55013",
    }
    repair = read_request(
        "log repair on NV20231187: F204 cleared, belt 51-0300-BL fitted, 1.5 h",
        store=kb,
        jobs=jobs,
    )
    assert repair.tool == "record_repair"
    assert repair.args["asset_id"] == "AHU-12"
    assert repair.args["fault_code"] == "F204"
    assert repair.args["hours"] == 1.5
    close = read_request("close wo 55012, filters changed", store=kb, jobs=jobs)
    assert close.tool == "close_work_order"
    assert close.args == {"job_id": "WO-55012", "resolution": "filters changed"}


def test_a_job_shaped_like_the_lists_but_not_in_it_is_read_as_written(
    customer,
) -> None:
    kb, jobs = customer
    reading = read_request("close WO-59999, done", store=kb, jobs=jobs)
    assert reading.args["job_id"] == "WO-59999"


def test_two_parts_leave_the_part_to_the_model(customer) -> None:
    kb, jobs = customer
    reading = read_request("order 2 x 38-2201-KT and 38-2202-KT", store=kb, jobs=jobs)
    assert reading.tool == "order_part"
    assert not reading.complete
    assert reading.missing == ("part_number",)
    assert reading.args == {"quantity": 2}
    assert any("part_number" in note for note in reading.notes)


def test_two_counts_or_a_plural_without_one_leave_the_count_to_the_model(
    demo,
) -> None:
    kb, jobs = demo
    two = read_request("order 2 or 3 of 4471-G10-131", store=kb, jobs=jobs)
    assert two.missing == ("quantity",)
    plural = read_request("order gaskets 4471-G10-131", store=kb, jobs=jobs)
    assert plural.missing == ("quantity",)
    single = read_request(
        "order the controller board 4471-K60-900", store=kb, jobs=jobs
    )
    assert single.args["quantity"] == 1


def test_no_tool_keeps_the_ids_it_names(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "4471-M30-186 for J-1004, replace it and order one", store=kb, jobs=jobs
    )
    assert reading.tool is None
    assert not reading.complete
    assert reading.args == {"job_id": "J-1004", "part_number": "4471-M30-186"}


def test_only_the_instruction_leaves_the_text_to_the_model(demo) -> None:
    kb, jobs = demo
    reading = read_request("escalate J-1005", store=kb, jobs=jobs)
    assert reading.tool == "escalate_to_supervisor"
    assert reading.missing == ("summary",)
    assert reading.args == {"job_id": "J-1005"}


def test_the_job_in_context_is_dropped_for_another_machine(demo) -> None:
    kb, jobs = demo
    reading = read_request(
        "open a work order for PUMP-0452, bearing noise",
        store=kb,
        jobs=jobs,
        job_id="J-1001",
    )
    assert reading.args["asset_id"] == "PUMP-0452"
    assert "job_id" not in reading.args
