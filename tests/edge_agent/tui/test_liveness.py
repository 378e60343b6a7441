"""The app answers the keyboard after every step: walks through every screen
and dialog, and a long run of random keys.

After each step of a walk, ctrl+q reaches the app's quit (counted, so the
walk goes on), a screen key brings up its screen (the next of F1 to F6 each
time) and the walk goes back where it was, or, on a dialog, F1 to F6 leave
it open and Esc is bound to close it. At the end of a walk, Esc closes every
dialog, F1 to F6 switch screens and ctrl+q ends the app. The walk of the
reported hang (a card removed while the focus was on it) is also cut after
each of its steps, and each cut ends that way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from edge_agent.__main__ import main as edge_agent
from edge_agent.config import EdgeSettings
from edge_agent.tui import AppDeps, FieldApp, make_app
from edge_agent.tui import app as tui_app
from edge_agent.tui.screens.actions import ActionsScreen
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.chat import ChatScreen
from edge_agent.tui.screens.chunk import ChunkScreen
from edge_agent.tui.screens.confirm import ConfirmActionScreen
from edge_agent.tui.screens.correction import CorrectionScreen
from edge_agent.tui.screens.dialogs import ErrorScreen, QuestionScreen, TextScreen
from edge_agent.tui.screens.history import HistoryScreen
from edge_agent.tui.screens.jobs import JobsScreen
from edge_agent.tui.screens.knowledge import KnowledgeScreen
from edge_agent.tui.screens.new_action import NewActionScreen
from edge_agent.tui.screens.photos import PhotoScreen
from edge_agent.tui.screens.picker import PhotoTree
from edge_agent.tui.screens.sync import SyncScreen
from edge_agent.tui.widgets.answer_view import AnswerView
from edge_agent.tui.widgets.proposal_card import ProposalCard
from tests.edge_agent.tui.conftest import (
    GASKETS,
    GASKETS_CALL,
    GASKETS_PART,
    confident_model,
    form_ready,
    label_engine,
    offline_deps,
    photo_folder,
    wait_for,
)

ORDER = "/do order two gaskets 4471-G10-131 for J-1001"

SCREEN_KEYS: tuple[tuple[str, type[FieldScreen]], ...] = (
    ("f1", ChatScreen),
    ("f2", PhotoScreen),
    ("f3", ActionsScreen),
    ("f4", JobsScreen),
    ("f5", KnowledgeScreen),
    ("f6", SyncScreen),
)
KEY_WAIT = 10.0
"""How long a key may take to show its effect before the app counts as stuck."""
STEP_WAIT = 30.0
"""How long a step's work (a proposal, an answer, a reading) may take."""

Step = Callable[[Pilot[Any]], Awaitable[None]]

QUICK: dict[str, Any] = {"warm_up_ranking": lambda: None, "start_ocr": label_engine}
"""Seams of the walks: nothing warmed up in the background (it would only
slow every cut down), photos read by a label engine."""


# --- keys, as the terminal sends them ----------------------------------------


async def send(pilot: Pilot[Any], *keys: str) -> None:
    """Press ``keys`` one by one as a terminal would, each handled before the
    next.

    Why ``Pilot.press`` and not a posted key event: a key event posted to the
    app by hand stopped reaching the focused widget's screen bindings on some
    runs (``c`` on the queue did nothing), while real presses always do.
    """
    for key in keys:
        await pilot.press(key)


# --- what "the app still answers" means ---------------------------------------


async def close_dialogs(pilot: Pilot[Any]) -> None:
    """Press Esc until a main screen shows: every dialog closes on Esc (an
    open drop-down first closes itself, keeping its dialog)."""
    app = pilot.app
    for _ in range(5):
        if isinstance(app.screen, FieldScreen):
            return
        showing, focused = app.screen, app.focused
        await send(pilot, "escape")
        await until_true(
            pilot,
            lambda shown=showing, had=focused: (
                app.screen is not shown or app.focused is not had
            ),
            f"Esc on {showing}",
        )
    assert isinstance(app.screen, FieldScreen), f"Esc left {app.screen!r} open"


async def until_true(
    pilot: Pilot[Any],
    condition: Callable[[], object],
    what: str,
    seconds: float = KEY_WAIT,
) -> None:
    """Let the app run until ``condition()`` holds; else fail, saying ``what``
    had no effect and where the focus was."""
    deadline = time.monotonic() + seconds
    while not condition():
        focus = pilot.app.focused
        assert time.monotonic() < deadline, f"{what}: no effect (focus on {focus!r})"
        await pilot.pause(0.02)


async def switch_screens(pilot: Pilot[Any], keys: tuple[str, ...]) -> None:
    """Press each screen key and see its screen come up."""
    app = pilot.app
    for key in keys:
        wanted = dict(SCREEN_KEYS)[key]
        await send(pilot, key)
        await until_true(pilot, lambda kind=wanted: isinstance(app.screen, kind), key)


class WatchedApp(FieldApp):
    """The app, counting ctrl+q instead of quitting until :meth:`let_quit`.

    Why: a walk checks after every step that ctrl+q reaches the app, and then
    goes on with its next step.
    """

    CSS_PATH = Path(tui_app.__file__).with_name("app.tcss")

    def __init__(self, settings: EdgeSettings, deps: AppDeps) -> None:
        super().__init__(settings, deps)
        self.quit_presses = 0
        self._may_quit = False

    def let_quit(self) -> None:
        self._may_quit = True

    async def action_quit(self) -> None:
        self.quit_presses += 1
        if self._may_quit:
            await super().action_quit()


async def assert_app_still_answers(pilot: Pilot[Any], turn: int) -> None:
    """ctrl+q reaches the app's quit. On a main screen, a screen key (the
    ``turn``-th of F1 to F6 other than its own) brings up its screen and the
    screen's own key brings it back; on a dialog, F1 to F6 leave it open and
    Esc is bound to close it."""
    app = pilot.app
    assert isinstance(app, WatchedApp)
    presses = app.quit_presses
    await send(pilot, "ctrl+q")
    await until_true(pilot, lambda: app.quit_presses == presses + 1, "ctrl+q")
    showing = app.screen
    if isinstance(showing, FieldScreen):
        back = next(key for key, kind in SCREEN_KEYS if isinstance(showing, kind))
        others = [key for key, _ in SCREEN_KEYS if key != back]
        await switch_screens(pilot, (others[turn % len(others)], back))
        assert app.screen is showing
        return
    await send(pilot, *(key for key, _ in SCREEN_KEYS))
    await pilot.pause(0)
    assert app.screen is showing, "a screen key went through an open dialog"
    escape = showing.active_bindings.get("escape")
    assert escape is not None and escape.enabled, f"Esc does not reach {showing}"


async def assert_app_answers(pilot: Pilot[Any]) -> None:
    """Esc closes the dialogs, F1 to F6 switch screens, ctrl+q quits."""
    app = pilot.app
    if isinstance(app, WatchedApp):
        app.let_quit()
    await close_dialogs(pilot)
    await send(pilot, "escape")  # on a main screen too, Esc leaves the keys working
    await switch_screens(pilot, tuple(key for key, _ in SCREEN_KEYS))
    await send(pilot, "ctrl+q")
    await until_true(pilot, lambda: not app.is_running, "ctrl+q")
    assert app.return_code == 0


# --- steps a technician takes ---------------------------------------------------


def press(*keys: str, until: Callable[[FieldApp], object] | None = None) -> Step:
    """Press ``keys``; then let the app settle, or run until ``until(app)``."""

    async def step(pilot: Pilot[Any]) -> None:
        await send(pilot, *keys)
        if until is None:
            await idle(pilot)
        else:
            app = pilot.app
            assert isinstance(app, FieldApp)
            await until_true(pilot, lambda: until(app), " ".join(keys), STEP_WAIT)

    return step


async def idle(pilot: Pilot[Any]) -> None:
    """Let every worker end (failed ones too: the app shows their errors)."""
    app = pilot.app
    await wait_for(pilot, lambda: all(w.is_finished for w in app.workers))
    await pilot.pause(0)


def type_in(
    selector: str, text: str, until: Callable[[FieldApp], object] | None = None
) -> Step:
    """Type ``text`` into the input ``selector`` once it has the focus, then
    press Enter (the text is set, not keyed: each key would cost a frame)."""

    async def step(pilot: Pilot[Any]) -> None:
        app = pilot.app

        def box() -> Input | None:
            focused = app.focused
            if isinstance(focused, Input) and focused in app.screen.query(selector):
                return focused
            return None

        await until_true(pilot, lambda: box() is not None, f"focus on {selector}")
        typed = box()
        assert typed is not None
        typed.value = text
        await press("enter", until=until)(pilot)

    return step


def showing(kind: type) -> Callable[[FieldApp], bool]:
    return lambda app: isinstance(app.screen, kind)


def card_decided(app: FieldApp) -> bool:
    cards = list(app.screen.query(ProposalCard))
    return bool(cards) and cards[-1].proposed is not None


def card_settled(app: FieldApp) -> bool:
    cards = list(app.screen.query(ProposalCard))
    return bool(cards) and cards[-1].settled


def card_denied(app: FieldApp) -> bool:
    cards = list(app.screen.query(ProposalCard))
    recorded = cards[-1].recorded if cards else None
    return recorded is not None and recorded.state.value == "denied"


def form_of(first: str) -> Callable[[FieldApp], bool]:
    """The hand-proposal form is for a tool whose first field is ``first``."""

    def built(app: FieldApp) -> bool:
        screen = app.screen
        form = screen.form() if isinstance(screen, NewActionScreen) else None
        return form is not None and form.fields[0].name == first

    return built


def denial_shown(app: FieldApp) -> bool:
    """The form shows that the policy would deny what it holds."""
    screen = app.screen
    preview = screen.preview if isinstance(screen, NewActionScreen) else None
    return preview is not None and str(preview.outcome) == "deny"


def answered(app: FieldApp) -> bool:
    views = list(app.screen.query(AnswerView))
    return bool(views) and views[-1].finished


def reopened(app: FieldApp) -> bool:
    """The chat shows a reopened conversation's answers again."""
    views = list(app.screen.query(AnswerView))
    return isinstance(app.screen, ChatScreen) and bool(views) and views[0].settled


def picker_listed(app: FieldApp) -> bool:
    trees = list(app.screen.query(PhotoTree))
    return bool(trees) and len(trees[0].root.children) == 1


def photo_read(app: FieldApp) -> bool:
    screen = app.screen
    return isinstance(screen, PhotoScreen) and screen.result is not None


@dataclass(frozen=True)
class Walk:
    """A technician's way through some screens and dialogs, step by step."""

    steps: tuple[tuple[str, Step], ...]
    model_replies: tuple[str, ...] = ()
    prepare: Callable[[EdgeSettings], EdgeSettings] = lambda settings: settings
    deps: dict[str, Any] = field(default_factory=dict)

    def app(self, settings: EdgeSettings) -> WatchedApp:
        model = (
            confident_model(list(self.model_replies)) if self.model_replies else None
        )
        deps: AppDeps = offline_deps(model, **{**QUICK, **self.deps})
        return WatchedApp(self.prepare(settings), deps)


def keep_an_order_for_later(settings: EdgeSettings) -> EdgeSettings:
    """The gasket order, kept for later from the command line (no terminal)."""
    assert edge_agent(["actions", "create", "order_part", "--args", GASKETS]) == 0
    return settings


def with_photos(settings: EdgeSettings) -> EdgeSettings:
    folder = photo_folder(settings.home / "photos")
    return settings.model_copy(update={"photos_dir": folder})


def damage_the_job_list(settings: EdgeSettings) -> EdgeSettings:
    settings.layout.jobs_file.write_text("{not json", encoding="utf-8")
    return settings


WALKS = {
    # Keep a hand order for later, then order sixty: DENY, and the first card
    # removed while the focus was on it.
    "kept-then-denied": Walk(
        (
            ("F3", press("f3")),
            ("n", press("n", until=form_ready)),
            ("part, Enter", press(*GASKETS_PART, "enter")),
            ("two, Enter", press("2", "enter", until=card_decided)),
            ("Keep for later", press("tab", "enter", until=card_settled)),
            ("n again", press("n", until=form_ready)),
            (
                "sixty, Enter",
                press(*GASKETS_PART, "enter", "6", "0", "enter", until=card_denied),
            ),
        )
    ),
    "hand-order-confirmed": Walk(
        (
            ("F3", press("f3")),
            ("n", press("n", until=form_ready)),
            ("ctrl+s: all missing", press("ctrl+s")),
            ("part, Enter", press(*GASKETS_PART, "enter")),
            ("in words, Enter", press(*"two", "enter")),
            ("sixty: DENY shown", press("ctrl+u", "6", "0", until=denial_shown)),
            ("two, Enter", press("ctrl+u", "2", "enter", until=card_decided)),
            ("Review", press("enter", until=showing(ConfirmActionScreen))),
            ("y", press("y", until=card_settled)),
        )
    ),
    # The form's lists: a job picked, another tool chosen (the job kept), the
    # new tool's form filled in and proposed with ctrl+s.
    "hand-form-lists": Walk(
        (
            ("F3", press("f3")),
            ("n", press("n", until=form_ready)),
            ("part", press(*GASKETS_PART)),
            ("job list", press("tab", "tab", "enter")),
            ("J-1001", press("down", "enter")),
            ("tool list", press("shift+tab", "shift+tab", "shift+tab", "enter")),
            ("another tool", press("up", "up", "up", "enter", until=form_of("job_id"))),
            ("note", press("tab", "tab", *"Waiting for parts")),
            ("ctrl+s", press("ctrl+s", until=card_decided)),
            ("Esc: card declined", press("escape")),
        )
    ),
    "chat": Walk(
        (
            ("code, Enter", type_in("#question", "E-42", until=answered)),
            ("ctrl+o: sources", press("ctrl+o")),
            ("Enter: source", press("enter", until=showing(ChunkScreen))),
            ("Esc", press("escape", until=showing(ChatScreen))),
            ("Esc: question", press("escape")),
            ("request, Enter", type_in("#question", ORDER, until=card_decided)),
            ("Review", press("enter", until=showing(ConfirmActionScreen))),
            ("n: decline", press("n", until=card_settled)),
        ),
        model_replies=(GASKETS_CALL,),
    ),
    # Two conversations kept, the first found in the history and reopened,
    # then scrolled and copied; the history opened again at the end.
    "history": Walk(
        (
            ("code, Enter", type_in("#question", "E-42", until=answered)),
            ("ctrl+n: new", press("ctrl+n")),
            ("part, Enter", type_in("#question", "4471-G10-131", until=answered)),
            ("ctrl+r: history", press("ctrl+r", until=showing(HistoryScreen))),
            ("filter", press("4", "2")),
            ("Enter: reopen", press("enter", until=reopened)),
            ("PageUp", press("pageup")),
            ("ctrl+home", press("ctrl+home")),
            ("ctrl+y: copy", press("ctrl+y")),
            ("ctrl+r again", press("ctrl+r", until=showing(HistoryScreen))),
        )
    ),
    "queue-dialogs": Walk(
        (
            ("F3", press("f3")),
            ("c", press("c", until=showing(ConfirmActionScreen))),
            ("y", press("y", until=showing(ActionsScreen))),
            ("Enter: in full", press("enter", until=showing(TextScreen))),
            ("Esc", press("escape", until=showing(ActionsScreen))),
            ("x", press("x", until=showing(QuestionScreen))),
            ("y: withdrawn", press("y", until=showing(ActionsScreen))),
        ),
        prepare=keep_an_order_for_later,
    ),
    "photo": Walk(
        (
            ("F2", press("f2")),
            ("ctrl+o", press("ctrl+o", until=picker_listed)),
            ("pick", press("down", "enter", until=photo_read)),
            ("ctrl+e", press("ctrl+e", until=showing(CorrectionScreen))),
            ("typed, Enter", type_in("#corrected", "4471-A20-339")),
            ("ctrl+l: look up", press("ctrl+l", until=answered)),
        ),
        prepare=with_photos,
    ),
    "jobs-knowledge-sync": Walk(
        (
            ("F4", press("f4")),
            ("down", press("down")),
            ("Enter: context", press("enter")),
            ("x: cleared", press("x")),
            ("F5", press("f5")),
            ("down: list", press("down")),
            ("Enter: sections", press("enter")),
            ("Esc: documents", press("escape")),
            ("ctrl+f", press("ctrl+f")),
            ("search, Enter", type_in("#kb-search", "prime the pump")),
            ("F6", press("f6")),
            ("s: sync", press("s")),
        )
    ),
    "error-dialog": Walk(
        (("start", press(until=showing(ErrorScreen))),),
        prepare=damage_the_job_list,
    ),
}

REPORTED = "kept-then-denied"
CUTS = [
    pytest.param(length, id=f"{length}-{WALKS[REPORTED].steps[length - 1][0]}")
    for length in range(1, len(WALKS[REPORTED].steps) + 1)
]


async def test_the_app_answers_as_it_starts(settings: EdgeSettings) -> None:
    app = make_app(settings, offline_deps(**QUICK))
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        await assert_app_answers(pilot)


@pytest.mark.parametrize("walk", list(WALKS))
async def test_the_app_answers_after_each_step_of_a_walk(
    settings: EdgeSettings, walk: str
) -> None:
    chosen = WALKS[walk]
    app = chosen.app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        for turn, (name, step) in enumerate(chosen.steps):
            await step(pilot)
            try:
                await assert_app_still_answers(pilot, turn)
            except AssertionError as exc:
                raise AssertionError(f"after {name!r}: {exc}") from exc
        await assert_app_answers(pilot)


@pytest.mark.parametrize("length", CUTS)
async def test_after_each_step_of_the_reported_hang_esc_f_keys_and_ctrl_q_work(
    settings: EdgeSettings, length: int
) -> None:
    chosen = WALKS[REPORTED]
    app = chosen.app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        for _name, step in chosen.steps[:length]:
            await step(pilot)
        await assert_app_answers(pilot)


async def test_a_card_removed_with_the_focus_on_it_leaves_the_focus_at_home(
    settings: EdgeSettings,
) -> None:
    app = WALKS[REPORTED].app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        for _name, step in WALKS[REPORTED].steps:
            await step(pilot)
            focused = app.focused
            assert focused is None or focused.is_attached
        (card,) = app.screen.query(ProposalCard)
        assert card.recorded is not None and card.recorded.state.value == "denied"
        assert app.focused is app.screen.query_one("#queue")


# --- random keys ---------------------------------------------------------------

SCREEN_SWITCHES = tuple(key for key, _ in SCREEN_KEYS)
OTHER_KEYS = (
    *("escape", "enter", "tab", "shift+tab", "up", "down", "left", "right"),
    *("pageup", "pagedown", "home", "end", "backspace", "space"),
    *("ctrl+o", "ctrl+f", "ctrl+e", "ctrl+l", "ctrl+c"),
    *("ctrl+r", "ctrl+n", "ctrl+y", "ctrl+home", "ctrl+end"),
    *"cnrsxyelq",
    *"E42ab7",
    *("minus", "slash"),
)
"""The keys some screen or dialog binds, and a few to type with."""
RANDOM_PRESSES = 2000
CHECK_EVERY = 250
SWITCH_SHARE = 0.06
"""How often a random key is a screen key: switching screens is the slowest."""


def random_keys(rng: random.Random, count: int) -> list[str]:
    """``count`` keys; never ctrl+c twice in a row (that quits, on purpose)."""
    keys: list[str] = []
    while len(keys) < count:
        pool = SCREEN_SWITCHES if rng.random() < SWITCH_SHARE else OTHER_KEYS
        key = rng.choice(pool)
        if key == "ctrl+c" and keys and keys[-1] == "ctrl+c":
            continue
        keys.append(key)
    return keys


@pytest.mark.slow
async def test_thousands_of_random_keys_leave_the_app_answering(
    settings: EdgeSettings, tmp_path: Path
) -> None:
    rng = random.Random(20261207)
    photos = photo_folder(tmp_path / "photos")
    app = make_app(
        settings.model_copy(update={"photos_dir": photos}),
        offline_deps(start_ocr=label_engine),
    )
    keys = random_keys(rng, RANDOM_PRESSES)
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        for start in range(0, len(keys), CHECK_EVERY):
            for key in keys[start : start + CHECK_EVERY]:
                await send(pilot, key)
                assert app.is_running, f"{key!r} quit the app"
            await close_dialogs(pilot)
            await switch_screens(pilot, (rng.choice(SCREEN_KEYS)[0],))
        await app.workers.wait_for_complete()
        await assert_app_answers(pilot)
