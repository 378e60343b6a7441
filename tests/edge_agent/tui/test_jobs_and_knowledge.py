"""Jobs as the conversation's context, and the knowledge base browser."""

from __future__ import annotations

import re

from textual.widgets import DataTable, OptionList, Static

from edge_agent.config import EdgeSettings
from edge_agent.tui import make_app
from edge_agent.tui.screens.jobs import JobsScreen
from edge_agent.tui.screens.knowledge import KnowledgeScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard
from tests.edge_agent.tui.conftest import (
    GASKETS_CALL,
    confident_model,
    offline_deps,
    settle,
    submit,
    wait_for,
)


async def test_a_job_becomes_the_context_of_action_requests(
    settings: EdgeSettings,
) -> None:
    model = confident_model([GASKETS_CALL])
    app = make_app(settings, offline_deps(model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        table = screen.query_one("#jobs", DataTable)
        jobs = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert jobs == ["J-1001", "J-1003", "J-1002", "J-1004", "J-1005"]  # by due
        heading = str(screen.query_one("#jobs-heading", Static).content)
        # The demo job book arrives as the demo loads it.
        assert re.match(
            r"5 job\(s\) from the sync of \d{4}-\d\d-\d\d \d\d:\d\d\.", heading
        )
        detail = str(screen.query_one("#job-detail", Static).content)
        assert "asset PUMP-0451: HP-300, serial HFP-204518" in detail

        await pilot.press("enter")
        assert app.job_context is not None and app.job_context.job_id == "J-1001"

        await pilot.press("f1")
        context = app.screen.query_one("#job-context", Static)
        assert context.display
        assert str(context.content).startswith("Job J-1001 (PUMP-0451): Pump trips")
        # No part number: the model is asked for the part, with the job as a fact.
        await submit(pilot, "#question", "/do order two strainer cover gaskets")
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        assert card.proposed is not None and card.proposed.decided is not None
        assert card.proposed.decided.proposal.args["job_id"] == "J-1001"
        prompt = model.prompts[-1][-1].content
        assert "Job J-1001: Pump trips on overload" in prompt

        await pilot.press("f4", "x")
        assert app.job_context is None


async def test_no_jobs_before_the_first_sync(settings: EdgeSettings) -> None:
    settings.layout.jobs_file.unlink()
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        heading = str(app.screen.query_one("#jobs-heading", Static).content)
        assert heading.startswith("No jobs yet")


async def test_the_browser_searches_and_opens_documents_by_section(
    settings: EdgeSettings,
) -> None:
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, KnowledgeScreen)
        listing = screen.query_one("#kb-list", OptionList)
        reader = screen.query_one("#kb-text", Static)
        assert listing.option_count == 6
        assert str(listing.get_option_at_index(0).prompt) == "Fault codes  (66)"

        await pilot.press("down", "enter")  # to the list, open "Fault codes"
        await settle(pilot)
        assert screen.listing == "sections"
        assert listing.option_count == 66
        assert str(reader.content).startswith("[fault-codes.csv#1] Fault codes › E-10")
        await pilot.press("down")
        assert str(reader.content).startswith("[fault-codes.csv#2]")

        await pilot.press("escape")
        await settle(pilot)
        assert screen.listing == "documents"

        await submit(pilot, "#kb-search", "impeller clearance")
        await settle(pilot)
        assert screen.listing == "results"
        assert listing.option_count > 0
        assert "impeller" in str(reader.content).lower()


async def test_each_document_takes_one_line_and_is_named_in_full_on_the_right(
    settings: EdgeSettings,
) -> None:
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        listing = screen.query_one("#kb-list", OptionList)
        assert listing.virtual_size.height == listing.option_count  # no wrapping
        lines = [
            strip.text.strip(" ▊▎")
            for strip in listing.render_lines(listing.region.reset_offset)
        ]
        assert lines[2].startswith("AirMax AC-75 Series") and lines[2].endswith("…")

        await pilot.press("down", "down")  # to the list, then the compressor manual
        await settle(pilot)
        reader = str(screen.query_one("#kb-text", Static).content)
        assert reader.startswith("AirMax AC-75 Series Two-Stage Air Compressor")
        assert "31 section(s); Enter lists them." in reader
