"""Actions: proposals as cards, the confirmation dialog, the queue screen."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Button, DataTable, Input, Static

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings
from edge_agent.device import device_id
from edge_agent.llm import ScriptedModel
from edge_agent.tui import FieldApp, make_app
from edge_agent.tui.screens.actions import ActionsScreen
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.screens.dialogs import QuestionScreen, TextScreen
from edge_agent.tui.screens.new_action import NewActionScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard
from sync import ActionState, Outbox
from tests.edge_agent.tui.conftest import (
    GASKETS,
    GASKETS_CALL,
    GASKETS_PART,
    confident_model,
    offline_deps,
    order_by_hand,
    settle,
    submit,
    wait_for,
)


def outbox_states(settings: EdgeSettings) -> dict[int, str]:
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        return {a.seq: a.state.value for a in box.list(limit=100)}


async def propose_gaskets(
    pilot, request: str = "order two gaskets 4471-G10-131 for J-1001"
) -> ProposalCard:
    await submit(pilot, "#question", f"/do {request}")
    card = pilot.app.screen.query_one(ProposalCard)
    await wait_for(pilot, lambda: card.proposed is not None)
    await pilot.pause()
    return card


def confident_app(settings: EdgeSettings) -> FieldApp:
    """The app with a model that proposes the gasket order, confidently."""
    return make_app(settings, offline_deps(confident_model([GASKETS_CALL])))


async def test_a_confirmed_proposal_is_queued_with_its_confirmation(settings) -> None:
    app = confident_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await propose_gaskets(pilot)
        decision = str(card.query_one(".decision", Static).content)
        assert "Decision: CONFIRM (policy version 1)" in decision
        assert "Ordering parts needs your confirmation." in decision
        assert card.query_one("#review", Button).has_focus

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        payload = str(app.screen.query_one("#payload", Static).content)
        assert '"part_number": "4471-G10-131"' in payload
        assert '"quantity": 2' in payload
        who = str(app.screen.query_one("#who-confirms", Static).content)
        assert "Confirmed by technician (role technician)" in who

        await pilot.press("y")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)

        assert card.recorded is not None
        assert card.recorded.state is ActionState.QUEUED
        assert card.recorded.confirmation is not None
        assert card.recorded.confirmation["technician_id"] == "technician"
        outcome = str(card.query_one(".outcome", Static).content)
        assert outcome.startswith("Recorded as action 1: queued")
        assert outbox_states(settings) == {1: "queued"}
        await wait_for(pilot, lambda: app.status is not None and app.status.queued)
        assert "1 queued" in str(app.screen.query_one("#status-bar", Static).content)


async def test_cancelling_the_confirmation_queues_nothing(settings) -> None:
    app = confident_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await propose_gaskets(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)

        assert card.recorded is None
        assert str(card.query_one(".outcome", Static).content) == (
            "Declined: nothing was queued."
        )
        assert outbox_states(settings) == {}


async def test_a_denied_proposal_is_recorded_as_denied_with_its_reasons(
    app, scripted: ScriptedModel, settings
) -> None:
    scripted.add_reply(GASKETS_CALL)  # no confidence reported: the policy says no
    async with app.run_test(size=(80, 24)) as pilot:
        # No part number: the model chooses the part, so its confidence counts.
        card = await propose_gaskets(pilot, "order two strainer cover gaskets J-1001")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)

        assert card.has_class("-deny")
        assert not card.query_one(".buttons").display
        decision = str(card.query_one(".decision", Static).content)
        assert "Decision: DENY" in decision and "not confident enough" in decision
        outcome = str(card.query_one(".outcome", Static).content)
        assert outcome.startswith("Recorded as action 1: denied (The model was not")
        assert outbox_states(settings) == {1: "denied"}


async def test_the_queue_shows_each_action_with_its_state_and_reason(
    app, settings
) -> None:
    for _ in range(5):
        code = edge_agent(
            ["actions", "create", "order_part", "--args", GASKETS, "--yes", "--again"]
        )
        assert code == 0
    now = datetime.now(UTC)
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        keys = [a.key for a in sorted(box.list(limit=10), key=lambda a: a.seq)]
        box.mark_sent(keys[1:4], now)
        box.mark_result(keys[1], ActionState.APPLIED, "", at=now)
        box.mark_result(
            keys[2], ActionState.QUARANTINED, "over the site budget", at=now
        )
        box.mark_result(keys[3], ActionState.REJECTED, "part withdrawn", at=now)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActionsScreen)
        table = screen.query_one("#queue", DataTable)
        rows = {
            str(table.get_row_at(i)[0]): [str(cell) for cell in table.get_row_at(i)]
            for i in range(table.row_count)
        }

        assert rows["1"][1] == "queued"
        assert rows["2"][1] == "applied"
        assert rows["3"][1:4:2] == ["quarantined", "over the site budget"]
        assert rows["4"][1:4:2] == ["rejected", "part withdrawn"]
        assert rows["5"][1] == "queued"
        assert rows["5"][3] == "confirmed by technician"
        counts = str(screen.query_one("#queue-counts", Static).content)
        assert counts == "2 queued, 1 applied, 1 quarantined, 1 rejected"


async def test_an_action_made_by_hand_can_be_kept_then_confirmed_from_the_queue(
    app, settings
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        await order_by_hand(pilot, "NOT-A-PART", "2")
        screen = app.screen
        assert isinstance(screen, NewActionScreen)
        note = screen.query_one("#note-part_number", Static)
        await wait_for(pilot, lambda: "catalogue" in str(note.content))
        assert str(note.content) == "Part NOT-A-PART is not in the parts catalogue."
        box = screen.query_one("#field-part_number", Input)
        assert box.value == "NOT-A-PART"  # kept, to be corrected

        box.focus()
        await pilot.press("ctrl+u", *GASKETS_PART, "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen))
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await pilot.click("#later")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)
        assert outbox_states(settings) == {1: "proposed"}
        table = app.screen.query_one("#queue", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[1]) == "to confirm"

        table.focus()
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: outbox_states(settings).get(2) == "queued")
        await settle(pilot)
        assert outbox_states(settings) == {1: "cancelled", 2: "queued"}

        await wait_for(pilot, lambda: table.row_count == 2)
        table.move_cursor(row=0)  # newest first: action 2, queued
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: outbox_states(settings).get(2) == "cancelled")


async def propose_by_hand(pilot, quantity: str) -> ProposalCard:
    """n, the gasket order of ``quantity`` in the form; returns the new card
    once it is decided."""
    await order_by_hand(pilot, GASKETS_PART, quantity)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ActionsScreen))
    cards = pilot.app.screen.query(ProposalCard)
    await wait_for(pilot, lambda: any(card.proposed is not None for card in cards))
    await settle(pilot)
    return [card for card in pilot.app.screen.query(ProposalCard)][-1]


def queue_rows_shown(screen: ActionsScreen) -> int:
    """How many rows of the queue (its heading included) are on screen."""
    table = screen.query_one("#queue", DataTable)
    card_area = screen.query_one("#new-action").region
    assert not card_area.overlaps(table.region), "the card covers the queue"
    return table.region.height


async def test_a_hand_card_never_covers_the_queue_at_80x24(app, settings) -> None:
    assert edge_agent(["actions", "create", "order_part", "--args", GASKETS]) == 0
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActionsScreen)

        card = await propose_by_hand(pilot, "60")  # denied, four reasons: the tallest
        assert card.recorded is not None and card.recorded.state.value == "denied"
        assert queue_rows_shown(screen) >= 4

        await pilot.press("f1", "f3")
        await settle(pilot)
        assert app.screen is screen
        assert queue_rows_shown(screen) >= 4
        table = screen.query_one("#queue", DataTable)
        assert table.row_count == 2


async def test_the_queue_columns_fit_80_columns_and_a_long_reason_ends_in_dots(
    app, settings
) -> None:
    args = '{"part_number": "4471-G10-131", "quantity": 60}'
    assert edge_agent(["actions", "create", "order_part", "--args", args]) == 0
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert sum(widths) <= table.size.width
        (line,) = [
            line.text
            for line in app.screen.query_one("#queue").render_lines(
                table.region.reset_offset
            )[1:2]
        ]
        assert "More than 50 of one part" in line and line.rstrip().endswith("…")

        await pilot.press("enter")  # the action in full, its reason whole
        await wait_for(pilot, lambda: isinstance(app.screen, TextScreen))
        assert "More than 50 of one part is a stock order for the depot." in (
            app.screen.text
        )


async def test_esc_closes_a_card_declining_it_if_it_still_waits(app, settings) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        card = await propose_by_hand(pilot, "2")
        assert card.awaiting_answer

        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.query(ProposalCard))
        await settle(pilot)
        assert outbox_states(settings) == {}  # declined: nothing queued
        assert app.focused is screen.query_one("#queue", DataTable)

        await propose_by_hand(pilot, "60")  # denied: recorded at once
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.query(ProposalCard))
        assert outbox_states(settings) == {1: "denied"}
