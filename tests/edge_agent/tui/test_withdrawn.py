"""Withdrawn knowledge in the chat: the first answer after a withdrawal says
so once, and answers citing a withdrawn document are marked when shown
(reopened, or when a sync in the app withdraws it). Real homes, real
``withdrawn.json`` and ``conversations.db``; a real centre for the sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings
from edge_agent.conversations import ConversationStore, Turn
from edge_agent.tui import FieldApp, make_app
from edge_agent.tui.reachability import centre_reachable
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.tasks.withdrawn import withdrawn_list
from edge_agent.tui.widgets.answer_view import AnswerView
from tests.edge_agent.tui.conftest import offline_deps, settle, wait_for
from tests.edge_agent.tui.test_chat_history import ask, open_history
from tests.edge_agent.tui.test_sync import centre, governance_options, sync_now

__all__ = ["centre"]  # the fixture, shared with the sync screen's tests

PART = "4471-G10-131"
WITHDRAWN_AT = "2026-12-05T09:30:00+00:00"


def body(view: AnswerView) -> str:
    return str(view.query_one(".answer-body", Static).content)


def no_model_app(settings: EdgeSettings) -> FieldApp:
    return make_app(settings, offline_deps())


def withdraw(settings: EdgeSettings, *documents: str, version: int = 5) -> None:
    """As a sync that replaced the KB with version ``version`` without them."""
    withdrawn_list(settings).record(documents, kb_version=version, at=WITHDRAWN_AT)


def kept_turns(settings: EdgeSettings) -> list[Turn]:
    with ConversationStore.open(settings.layout.conversations_db) as store:
        (conversation,) = store.recent()
        return store.turns(conversation.conversation_id)


async def test_the_first_answer_after_a_withdrawal_says_so_once(
    settings: EdgeSettings,
) -> None:
    withdraw(settings, "manuals/old-pump.md")
    notice = "Withdrawn by the centre in KB v5: manuals/old-pump.md."
    async with no_model_app(settings).run_test(size=(80, 24)) as pilot:
        first = await ask(pilot, "E-42")
        assert body(first).splitlines()[0] == f"! {notice}"
        assert "E-42: Motor overload trip [1]" in body(first)
        second = await ask(pilot, PART)
        assert notice not in body(second)
        assert notice in body(first)  # the first answer still says it
    (told,) = withdrawn_list(settings).entries()
    assert told.shown  # not told again, in the app or by ``edge-agent ask``
    first_kept, second_kept = kept_turns(settings)
    assert first_kept.answer is not None and second_kept.answer is not None
    assert notice in first_kept.answer.notices  # kept as it was said
    assert notice not in second_kept.answer.notices


async def test_a_reopened_answer_citing_a_withdrawn_document_is_marked(
    settings: EdgeSettings,
) -> None:
    async with no_model_app(settings).run_test(size=(80, 24)) as pilot:
        await ask(pilot, "E-42")
        await ask(pilot, PART)
    before = kept_turns(settings)
    code_answer, part_answer = (turn.answer for turn in before)
    assert code_answer is not None and part_answer is not None
    cited = {c.document for c in code_answer.citations}
    assert cited.isdisjoint(c.document for c in part_answer.citations)
    (document,) = cited
    withdraw(settings, document)
    withdrawn_list(settings).take_unshown()  # told already, say by ``ask``

    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen.query(AnswerView)) == 2)
        await settle(pilot)
        first, second = app.screen.query(AnswerView)
        mark = (
            f"{document} was withdrawn by the centre in KB v5 (2026-12-05): "
            "do not act on what it said."
        )
        line = first.query_one(".answer-withdrawn", Static)
        assert line.display and str(line.content) == mark
        assert first.plain_text().endswith(f"\n{mark}")
        assert not second.query_one(".answer-withdrawn", Static).display
        assert second.withdrawn_marks == []
    assert kept_turns(settings) == before  # what was said is not changed


@pytest.mark.parametrize("damage", ["{not json", '{"withdrawn": 5}', None])
async def test_a_damaged_or_missing_withdrawn_list_never_stops_the_chat(
    settings: EdgeSettings, damage: str | None
) -> None:
    path = settings.layout.withdrawn_file
    if damage is not None:
        path.write_text(damage, encoding="utf-8")
    async with no_model_app(settings).run_test(size=(80, 24)) as pilot:
        view = await ask(pilot, "E-42")
        assert body(view).startswith("From the knowledge base:")
        assert view.withdrawn_marks == []
    app = no_model_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen.query(AnswerView)) == 1)
        await settle(pilot)
        (view,) = app.screen.query(AnswerView)
        assert view.finished and view.withdrawn_marks == []
    if damage is not None:
        assert path.read_text(encoding="utf-8") == damage  # nothing lost


OLD_PUMP = "# Old pump\n\n## Seals\n\nThe old pump's shaft seal is greased weekly.\n"
NEW_PUMP = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"


def publish(tmp_path: Path, capsys: Any, name: str, **documents: str) -> None:
    from sync.server.__main__ import main as governance

    folder = tmp_path / name
    folder.mkdir()
    for file_name, text in documents.items():
        (folder / f"{file_name}.md").write_text(text, encoding="utf-8")
    options = governance_options(tmp_path)
    assert governance([*options, "kb", "publish", str(folder)]) == 0
    capsys.readouterr()


@pytest.mark.server
async def test_a_sync_in_the_app_marks_answers_shown_and_tells_the_next_one(
    centre: str, settings: EdgeSettings, tmp_path: Path, capsys: Any
) -> None:
    publish(tmp_path, capsys, "kb1", **{"old-pump": OLD_PUMP, "pump-p200": NEW_PUMP})
    assert edge_agent(["sync"]) == 0  # the centre's KB replaces the demo's
    withdrawn_list(settings).take_unshown()  # the demo manuals: told by the sync
    app = make_app(settings, offline_deps(reachable=centre_reachable))
    async with app.run_test(size=(80, 24)) as pilot:
        answered = await ask(pilot, "old pump shaft seal greased")
        assert answered.answer is not None
        cited = {c.document for c in answered.answer.citations}
        assert "old-pump.md" in cited
        assert answered.withdrawn_marks == []

        publish(tmp_path, capsys, "kb2", **{"pump-p200": NEW_PUMP})
        screen = await sync_now(pilot)
        summary = str(screen.query_one("#sync-summary", Static).content)
        assert "Withdrawn by the centre in KB v" in summary
        await pilot.press("f1")
        assert isinstance(app.screen, ChatScreen)
        await wait_for(pilot, lambda: answered.withdrawn_marks != [])
        (mark,) = answered.withdrawn_marks
        assert mark.startswith("old-pump.md was withdrawn by the centre in KB v")
        assert mark.endswith(": do not act on what it said.")

        after = await ask(pilot, "E-42")
        (notice,) = [line for line in body(after).splitlines() if "Withdrawn" in line]
        assert notice.startswith("! Withdrawn by the centre in KB v")
        assert notice.endswith(": old-pump.md.")
        again = await ask(pilot, "E-42")
        assert "Withdrawn" not in body(again)
