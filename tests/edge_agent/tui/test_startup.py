"""Start-up without parts of the device: what is missing is said, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.widgets import Static

from edge_agent.config import EdgeSettings
from edge_agent.tui import make_app
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.dialogs import ErrorScreen
from edge_agent.tui.screens.photos import PhotoScreen
from tests.edge_agent.tui.conftest import offline_deps, settle, wait_for


async def test_without_tesseract_the_app_starts_and_says_photos_cannot_be_read(
    settings: EdgeSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract program on it
    tesseract_only = settings.model_copy(update={"ocr_engine": "tesseract"})
    app = make_app(tesseract_only, offline_deps())
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await wait_for(pilot, lambda: any(isinstance(m, Notify) for m in seen))
        (note,) = [m.notification for m in seen if isinstance(m, Notify)]
        assert note.title == "Photos"
        assert note.message.startswith("tesseract is not installed")
        assert isinstance(app.screen, ChatScreen)

        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PhotoScreen)
        state = str(screen.query_one("#ocr-state", Static).content)
        assert state.startswith("No OCR: ") and "tesseract" in state


async def test_a_damaged_job_list_is_reported_with_what_to_do(
    settings: EdgeSettings,
) -> None:
    settings.layout.jobs_file.write_text("{not json", encoding="utf-8")
    app = make_app(settings, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        await pilot.pause()
        message = str(app.screen.query_one("#error-message", Static).content)
        assert "job list" in message and "sync again to replace it" in message
        await pilot.press("enter")
        assert isinstance(app.screen, ChatScreen)


async def test_an_unexpected_failure_is_shown_not_fatal(settings: EdgeSettings) -> None:
    def broken_engine(name: str) -> object:
        raise RuntimeError(f"{name} exploded")

    app = make_app(settings, offline_deps(start_ocr=broken_engine))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        await pilot.pause()
        message = str(app.screen.query_one("#error-message", Static).content)
        assert message.startswith("Unexpected RuntimeError: rapidocr exploded.")
        await pilot.press("escape")
        assert isinstance(app.screen, PhotoScreen)


async def test_f10_switches_between_the_dark_and_the_light_theme(
    settings: EdgeSettings,
) -> None:
    light = settings.model_copy(update={"theme": "light"})
    app = make_app(light, offline_deps())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-light"
        await pilot.press("f10")
        assert app.theme == "textual-dark"
        await pilot.press("f10")
        assert app.theme == "textual-light"
