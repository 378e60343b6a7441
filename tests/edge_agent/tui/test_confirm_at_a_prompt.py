"""The confirmation dialog is the prompt an interactive decision asks for:
it says which arguments the technician did not type, and its yes is recorded
as given at a prompt, for a fresh proposal and for one kept for later."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from edge_agent.config import EdgeSettings
from edge_agent.device import device_id
from edge_agent.tui import make_app
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.widgets.proposal_card import ProposalCard
from sync import Outbox
from tests.edge_agent.tui.conftest import (
    confident_model,
    offline_deps,
    settle,
    submit,
    wait_for,
)

MESSAGE_CALL = (
    '{"tool": "contact_customer", "args": {"message": "We will call you back today."}}'
)


def actions(settings: EdgeSettings) -> dict[int, dict]:
    with Outbox.open(
        settings.layout.outbox_db, device_id=device_id(settings.home)
    ) as box:
        return {
            a.seq: {
                "state": a.state.value,
                "confirmation": a.confirmation,
                "evidence": a.evidence,
            }
            for a in box.list(limit=100)
        }


async def test_model_text_is_confirmed_at_the_dialog_fresh_and_kept(settings) -> None:
    model = confident_model([MESSAGE_CALL, MESSAGE_CALL])
    app = make_app(settings, offline_deps(model))
    async with app.run_test(size=(100, 32)) as pilot:
        await submit(pilot, "#question", "/do text the customer on J-1004")
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await pilot.pause()
        decision = str(card.query_one(".decision", Static).content)
        assert "Decision: APPROVE" in decision
        assert "(model)" in decision
        assert "--yes cannot confirm it" in decision

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        origins = str(app.screen.query_one("#origins", Static).content)
        assert "message: written by the model" in origins
        assert "--yes cannot" in str(
            app.screen.query_one("#at-a-prompt", Static).content
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: card.settled)
        await settle(pilot)

        first = actions(settings)[1]
        assert first["state"] == "awaiting_approval"
        assert first["confirmation"]["interactive"] is True
        assert first["evidence"]["argument_origins"]["message"] == "model"

        await submit(pilot, "#question", "/do text the customer on J-1004")
        second = list(app.screen.query(ProposalCard))[-1]
        await wait_for(pilot, lambda: second.proposed is not None)
        await pilot.click(second.query_one("#later"))
        await wait_for(pilot, lambda: second.settled)
        await settle(pilot)
        assert actions(settings)[2]["state"] == "proposed"

        await pilot.press("f3")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        table.focus()
        table.move_cursor(row=0)  # newest first: action 2, to confirm
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        assert app.screen.query("#at-a-prompt")
        assert "written by the model" in str(
            app.screen.query_one("#origins", Static).content
        )
        await pilot.press("y")
        await wait_for(
            pilot, lambda: actions(settings).get(3, {}).get("state") is not None
        )
        await settle(pilot)

        third = actions(settings)[3]
        assert third["state"] == "awaiting_approval"
        assert third["confirmation"]["interactive"] is True
        assert actions(settings)[2]["state"] == "cancelled"


async def test_the_dialog_and_the_card_say_how_old_the_data_is(settings) -> None:
    model = confident_model([MESSAGE_CALL])
    app = make_app(settings, offline_deps(model))
    async with app.run_test(size=(100, 32)) as pilot:
        await submit(pilot, "#question", "/do text the customer on J-1004")
        card = app.screen.query_one(ProposalCard)
        await wait_for(pilot, lambda: card.proposed is not None)
        await pilot.pause()
        decision = str(card.query_one(".decision", Static).content)
        assert "Data: job book from " in decision
        assert "last sync: age unknown (never received)" in decision
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        shown = str(app.screen.query_one("#data-age", Static).content)
        assert shown.startswith("Data it rests on: job book from ")
        assert "job J-1004 in the job book" in shown
        await pilot.press("n")
