"""Proposing by hand: a form built from the tool's arguments, choices from
what the device knows, the policy's decision shown before proposing."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from edge_agent.config import EdgeSettings
from edge_agent.device import device_id
from edge_agent.tui import FieldApp
from edge_agent.tui.screens.actions import ActionsScreen
from edge_agent.tui.screens.new_action import NewActionScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard
from policies import Outcome
from sync import Outbox
from tests.edge_agent.tui.conftest import (
    GASKETS_PART,
    open_form,
    order_by_hand,
    settle,
    wait_for,
)

TOOL_ORDER = [
    "create_work_order",
    "update_work_order",
    "close_work_order",
    "record_repair",
    "order_part",
    "update_asset",
    "contact_customer",
    "escalate_to_supervisor",
]
"""The tools in the dialog's list: the catalogue's, in its order."""


def nothing_recorded(settings: EdgeSettings) -> bool:
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        return box.list(limit=10) == [] and box.list_traces() == []


def note(screen: NewActionScreen, name: str) -> str:
    widget = screen.query_one(f"#note-{name}", Static)
    return str(widget.content) if widget.display else ""


def decision(screen: NewActionScreen) -> str:
    return str(screen.query_one("#new-action-decision", Static).content)


def field_text(screen: NewActionScreen, name: str) -> str:
    form = screen.form()
    assert form is not None
    return form.texts()[name]


async def to_the_queue(pilot: Pilot[Any]) -> ActionsScreen:
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ActionsScreen)
    return screen


async def focus_field(pilot: Pilot[Any], ident: str) -> None:
    """Tab (or shift+tab) to the widget ``#ident``, as the technician would."""
    app = pilot.app
    for _ in range(12):
        if app.focused is not None and app.focused.id == ident:
            return
        await pilot.press("shift+tab" if ident == "tool" else "tab")
    raise AssertionError(f"Tab never reached #{ident}")


async def choose(pilot: Pilot[Any], ident: str, steps: int) -> None:
    """Open the list ``#ident``, move ``steps`` down (up if negative), Enter."""
    await focus_field(pilot, ident)
    await pilot.press("enter")
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.press("enter")
    await pilot.pause()


async def choose_tool(pilot: Pilot[Any], tool: str) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, NewActionScreen)
    steps = TOOL_ORDER.index(tool) - TOOL_ORDER.index(screen.tool())
    await choose(pilot, "tool", steps)
    await wait_for(
        pilot,
        lambda: (
            (form := screen.form()) is not None
            and screen.tool() == tool
            and form.query(f"#field-{form.fields[0].name}")
        ),
    )


async def test_the_readme_order_typed_in_the_form_becomes_a_card(
    app: FieldApp, settings: EdgeSettings
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await to_the_queue(pilot)
        await order_by_hand(pilot, GASKETS_PART, "2")
        await wait_for(pilot, lambda: app.screen is queue)
        card = queue.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await settle(pilot)

        assert card.proposed is not None and card.proposed.decided is not None
        decided = card.proposed.decided
        assert decided.proposal.tool == "order_part"
        assert decided.proposal.proposed_by == "technician"
        assert decided.proposal.args["part_number"] == GASKETS_PART
        assert decided.proposal.args["quantity"] == 2
        assert decided.proposal.args["unit_price"] == 9.8
        assert decided.decision.outcome is Outcome.CONFIRM
        assert card.awaiting_answer
        assert nothing_recorded(settings)  # it waits for the technician's answer


async def test_a_quantity_in_words_or_below_one_is_shown_beside_it_and_kept(
    app: FieldApp, settings: EdgeSettings
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_queue(pilot)
        await order_by_hand(pilot, GASKETS_PART, "two")
        screen = app.screen
        assert isinstance(screen, NewActionScreen)
        await wait_for(pilot, lambda: note(screen, "quantity") != "")
        assert note(screen, "quantity") == (
            "Quantity must be a whole number, like 2, not 'two'."
        )
        assert screen.query_one("#new-action-decision").has_class("-error")
        assert field_text(screen, "quantity") == "two"
        assert field_text(screen, "part_number") == GASKETS_PART
        assert app.focused is screen.query_one("#field-quantity")

        await pilot.press("ctrl+u", "minus", "1")
        await wait_for(pilot, lambda: "at least" in note(screen, "quantity"))
        assert note(screen, "quantity") == "Quantity must be at least 1."
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and field_text(screen, "quantity") == "-1"
        assert nothing_recorded(settings)


async def test_switching_the_tool_keeps_the_job_and_switching_back_loses_nothing(
    app: FieldApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_queue(pilot)
        screen = await open_form(pilot)
        await pilot.press(*GASKETS_PART)
        await choose(pilot, "field-job_id", 2)  # (none), J-1001, J-1002
        assert field_text(screen, "job_id") == "J-1002"

        await choose_tool(pilot, "update_work_order")
        form = screen.form()
        assert form is not None
        assert [spec.name for spec in form.fields] == ["job_id", "note", "status"]
        assert field_text(screen, "job_id") == "J-1002"
        assert field_text(screen, "note") == ""

        await pilot.press("tab", "tab", *"Waiting")  # the note
        await choose_tool(pilot, "order_part")  # back: nothing typed is lost
        assert field_text(screen, "job_id") == "J-1002"
        assert field_text(screen, "part_number") == GASKETS_PART
        await choose_tool(pilot, "update_work_order")
        assert field_text(screen, "note") == "Waiting"


async def test_the_job_in_context_and_its_asset_are_chosen_to_start_with(
    app: FieldApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter")  # the first job becomes the context
        job = app.job_context
        assert job is not None
        await to_the_queue(pilot)
        screen = await open_form(pilot)
        assert field_text(screen, "job_id") == job.job_id

        await choose_tool(pilot, "create_work_order")
        assert field_text(screen, "asset_id") == job.asset_id
        assert field_text(screen, "job_id") == job.job_id
        assert field_text(screen, "priority") == "normal"  # the schema's default


async def test_the_policy_denies_sixty_before_anything_is_proposed(
    app: FieldApp, settings: EdgeSettings
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_queue(pilot)
        screen = await open_form(pilot)
        await pilot.press(*GASKETS_PART, "tab", "6", "0")
        await wait_for(
            pilot, lambda: screen.preview is not None and screen.preview.outcome
        )
        assert screen.preview is not None
        assert screen.preview.outcome is Outcome.DENY
        assert decision(screen).startswith(
            "Denied: More than 50 of one part is a stock order for the depot."
        )
        assert screen.query_one("#new-action-decision").has_class("-error")
        assert app.screen is screen and nothing_recorded(settings)

        await pilot.press("backspace", "backspace", "2")
        await wait_for(
            pilot, lambda: screen.preview is not None and screen.preview.reasons
        )
        await wait_for(pilot, lambda: decision(screen).startswith("Needs your"))
        assert decision(screen) == (
            "Needs your confirmation: Ordering parts needs your confirmation."
        )


async def test_the_part_is_described_as_it_is_typed(app: FieldApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_queue(pilot)
        screen = await open_form(pilot)
        await pilot.press(*"4471-G10")
        assert note(screen, "part_number").endswith(
            "parts start with 4471-G10: keep typing."
        )
        await pilot.press(*"-131")
        assert note(screen, "part_number") == (
            "Strainer cover gasket (HydraFlow HP-300 series): 9.80 EUR each, in stock"
        )
        await pilot.press("9")
        assert note(screen, "part_number") == (
            "4471-G10-1319 is not in the parts catalogue."
        )

        await pilot.press("tab", "2", "enter")  # proposed anyway: refused, kept
        await wait_for(pilot, lambda: "not in the parts" in decision(screen))
        assert app.screen is screen
        assert screen.query_one("#note-part_number").has_class("-error")
        assert field_text(screen, "part_number") == "4471-G10-1319"


async def test_ctrl_s_marks_what_is_missing_and_esc_cancels(
    app: FieldApp, settings: EdgeSettings
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await to_the_queue(pilot)
        screen = await open_form(pilot)
        await pilot.press("tab", "ctrl+s")
        await wait_for(pilot, lambda: note(screen, "part_number") != "")
        assert note(screen, "part_number") == "Part number is needed: type it."
        assert note(screen, "quantity") == "Quantity is needed: type it."
        assert note(screen, "job_id") == ""  # optional
        assert app.focused is screen.query_one("#field-part_number", Input)

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is queue)
        assert not queue.query(ProposalCard)
        assert nothing_recorded(settings)


async def test_the_longest_form_fits_80x24_with_its_keys_in_view(
    app: FieldApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_queue(pilot)
        screen = await open_form(pilot)
        await choose_tool(pilot, "record_repair")
        # the asset, the work done, the job, the fault code, the hours
        await pilot.press("tab", "tab", *"Replaced seal", "tab", "tab", *"E-42")
        await pilot.press("tab", "x")
        await wait_for(pilot, lambda: note(screen, "hours") != "")
        shown = screen.region
        for ident in ("#new-action-dialog", "#propose", "#new-action-decision"):
            assert shown.contains_region(screen.query_one(ident).region), ident
        form = screen.form()
        assert form is not None and form.region.height <= 11
        hours = screen.query_one("#field-hours", Input)
        assert form.region.contains_region(hours.region)  # scrolled into view
        assert screen.query_one("#propose", Button).region.height == 1
        assert isinstance(screen.query_one("#field-job_id"), Select)
