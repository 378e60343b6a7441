"""Photo: read the codes on a photo of a label, a nameplate or a screen.

Type a path (or ctrl+o to pick one from the photos folder) and press Enter.
The codes read are listed with their confidence and what the knowledge base
says of them; a code read with low confidence is marked CHECK THIS and shown
with the part of the photo it was read from (its crop), to compare. ctrl+e
corrects the highlighted code, Enter or ctrl+l looks it up in the chat.
Typing always goes to the path: a letter typed while the codes have the
focus starts a new path, so no typing can fire a shortcut.
The OCR engine is started once, in a worker, when this screen first opens,
and kept warm; its stack is never imported before that.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.messages import PhotoRead
from edge_agent.tui.screens.base import FieldScreen
from edge_agent.tui.screens.correction import CorrectionScreen
from edge_agent.tui.screens.picker import PhotoPickerScreen
from edge_agent.tui.widgets.code_crop import CodeCrop

if TYPE_CHECKING:
    from pathlib import Path

    from PIL.Image import Image

    from edge_agent.ocr import CodeLookup, OcrEngine, OcrResult, ReadCode

PLACEHOLDER = "Path of a photo, then Enter (ctrl+o browses the photos folder)"


def code_status(code: ReadCode) -> str:
    """How far to trust a code: corrected, low confidence, known or not."""
    if code.corrected:
        return "corrected"
    if code.low_confidence:
        return "CHECK THIS"
    if code.known:
        return "known"
    from knowledge_cache import TABLE_KINDS  # loaded with the OCR stack

    return "NOT IN KB" if code.kind in TABLE_KINDS else "no KB entry"


def meaning(lookup: CodeLookup) -> str:
    """What the knowledge base says of a code: its entry, or where it is named."""
    if lookup.entries:
        return lookup.entries[0].description
    if lookup.hits:
        return "named in " + ", ".join(lookup.citations)
    return ""


def code_detail(result: OcrResult, index: int, *, cropped: bool = False) -> str:
    """The highlighted code's reading, checks and sources; what to do when it
    is uncertain (compare it with its crop, when ``cropped``, else with the
    text read)."""
    code, lookup = result.codes[index], result.lookups[index]
    lines = []
    if code.low_confidence:
        where = "the crop of the photo below" if cropped else "the photo"
        lines.append(
            f"CHECK THIS: read with low confidence ({code.confidence:.0%}). "
            f"Compare it with {where}; ctrl+e corrects it."
        )
    reading = f'{code.kind.value.replace("_", " ")} {code.value}, read as "{code.raw}"'
    if code.corrected_from:
        reading += f" (corrected from {code.corrected_from})"
    lines.append(reading)
    lines += [f"  - {note}" for note in code.notes]
    if lookup.citations:
        lines.append("  sources: " + ", ".join(lookup.citations))
    if result.needs_review and not cropped:
        lines.append("Text read (correct a code with ctrl+e if it was misread):")
        lines += [f"  | {line}" for line in (result.text or "(no text)").splitlines()]
    return "\n".join(lines)


def reading_line(result: OcrResult) -> str:
    """``label.jpg: 2 codes (rapidocr, turned 90°)`` and any notices."""
    count = len(result.codes)
    found = f"{count} code{'s' if count != 1 else ''}" if count else "no codes found"
    turned = f", turned {result.rotation}°" if result.rotation else ""
    notes = "".join(f" {notice}" for notice in result.notices)
    return f"{result.path.name}: {found} ({result.engine}{turned}).{notes}"


class PhotoScreen(FieldScreen):
    """A photo's codes, their confidence and meaning, corrections, lookups."""

    MODE = "photo"
    AUTO_FOCUS = "#photo-path"
    BINDINGS = [
        Binding("ctrl+o", "browse", "Browse photos"),
        Binding("ctrl+e", "correct", "Correct code"),
        Binding("ctrl+l", "look_up", "Look up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: OcrResult | None = None
        self.crops: dict[int, Image] = {}
        """The crop of each code to check, by its index in the result."""
        self._engine_lock = threading.Lock()

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="photo-path")
        yield Static(Content("Starting the OCR engine…"), id="ocr-state")
        table: DataTable[Text] = DataTable(id="codes", cursor_type="row")
        yield table
        yield Static("", id="code-detail")
        yield CodeCrop(id="code-crop")

    def on_mount(self) -> None:
        table = self.query_one("#codes", DataTable)
        for name, width in (("kind", 13), ("code", 14), ("conf.", 5), ("status", 11)):
            table.add_column(name, key=name, width=width)
        table.add_column("meaning", key="meaning")
        self.query_one("#photo-path", Input).focus()
        self._start_engine()

    # --- the engine -------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="ocr-engine")
    def _start_engine(self) -> None:
        from edge_agent.ocr import OcrUnavailable

        try:
            engine = self._engine()
        except OcrUnavailable as exc:
            self.app.call_from_thread(self._state, f"No OCR: {exc.message}", "-error")
            return
        if self.result is None:
            self.app.call_from_thread(self._state, f"OCR ready ({engine.name}).", "")

    def _engine(self) -> OcrEngine:
        """The warm engine, started on first use (from a worker thread)."""
        app = field_app(self)
        with self._engine_lock:
            if app.ocr is None:
                name = app.settings.ocr_engine
                self.app.call_from_thread(
                    self._state, f"Starting the OCR engine ({name})…", ""
                )
                app.ocr = app.deps.start_ocr(name)
                if app.ocr.notice:
                    self.app.call_from_thread(
                        self.notify, app.ocr.notice, severity="warning", timeout=10
                    )
            return app.ocr.engine

    # --- reading ----------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.read(event.value)

    def on_key(self, event: events.Key) -> None:
        """Typing goes to the path, wherever the focus is: the first letter
        replaces the path last read.

        A letter reaching the screen did not go into the path (the path box
        keeps what is typed into it), so it is passed on, even when the box
        has just taken the focus: letters typed quickly were all sent to the
        codes before the first of them got here.
        """
        if not event.is_printable:
            return
        event.stop()
        event.prevent_default()
        box = self.query_one("#photo-path", Input)
        if not box.has_focus:
            # Focused now (not after a refresh), so the box selects the whole
            # path before the letter arrives, and the letter replaces it.
            self.set_focus(box)
        box.post_message(events.Key(event.key, event.character))

    def action_browse(self) -> None:
        """Pick a photo from the photos folder."""
        folder = field_app(self).settings.photos_folder
        if not folder.is_dir():
            self.notify(
                f"The photos folder {folder} does not exist; set photos_dir.",
                severity="warning",
            )
            return
        self.app.push_screen(PhotoPickerScreen(folder), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self.query_one("#photo-path", Input).value = str(path)
            self.read(str(path))

    def read(self, typed: str) -> None:
        """Read the photo at the typed path (kept in the box if it fails);
        the previous photo's codes go at once."""
        self._clear_result()
        self.query_one("#photo-path", Input).focus()
        self._read(typed)

    def _clear_result(self) -> None:
        self.result = None
        self.crops = {}
        self.query_one("#codes", DataTable).clear()
        self._show_detail()

    @work(thread=True, exit_on_error=False, group="photo", exclusive=True)
    def _read(self, typed: str) -> None:
        from edge_agent.ocr import OcrError
        from edge_agent.tui.tasks.photos import read_photo, resolve_photo

        settings = field_app(self).settings
        path = resolve_photo(typed, settings.photos_folder)
        try:
            engine = self._engine()
            self.app.call_from_thread(self._state, f"… reading photo {path.name}", "")
            result = read_photo(settings, engine, path)
        except OcrError as exc:
            self.app.call_from_thread(self._state, exc.message, "-error")
            return
        self.post_message(PhotoRead(result, typed, self._crops_of(result)))

    def _crops_of(self, result: OcrResult) -> dict[int, Image]:
        """The crops of the codes to check (none, with a warning, when the
        photo cannot be read again)."""
        from edge_agent.ocr import OcrError
        from edge_agent.ocr.crops import uncertain_crops

        try:
            return uncertain_crops(result)
        except OcrError as exc:
            self.app.call_from_thread(
                self.notify, f"No crops: {exc.message}", severity="warning"
            )
            return {}

    def on_photo_read(self, message: PhotoRead) -> None:
        box = self.query_one("#photo-path", Input)
        still_there = message.typed is None or box.value == message.typed
        if message.crops is not None:
            self.crops = dict(message.crops)
        self.show_result(message.result, focus_codes=still_there)

    def show_result(self, result: OcrResult, *, focus_codes: bool = True) -> None:
        """List the result's codes; keep the cursor where it was. The codes
        take the focus unless ``focus_codes`` is false (a new path is being
        typed)."""
        self.result = result
        table = self.query_one("#codes", DataTable)
        row = table.cursor_row
        table.clear()
        for code, lookup in zip(result.codes, result.lookups, strict=True):
            cells = (
                code.kind.value.replace("_", " "),
                code.value,
                f"{code.confidence:.0%}",
                code_status(code),
                meaning(lookup),
            )
            table.add_row(*(Text(cell) for cell in cells))
        tone = "-warning" if result.needs_review or not result.codes else "-good"
        self._state(reading_line(result), tone)
        if result.codes:
            table.move_cursor(row=min(max(row, 0), len(result.codes) - 1))
            if focus_codes:
                table.focus()
        self._show_detail()

    def selected(self) -> int | None:
        """The index of the highlighted code, if there is one."""
        row = self.query_one("#codes", DataTable).cursor_row
        if self.result is None or not 0 <= row < len(self.result.codes):
            return None
        return row

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        index = self.selected()
        result = self.result
        text = ""
        crop = self.crop_of(index) if index is not None else None
        if result is not None and index is not None:
            text = code_detail(result, index, cropped=crop is not None)
        elif result is not None and not result.codes:
            text = "Text read:\n" + (result.text or "(no text found)")
        self.query_one("#code-detail", Static).update(Content(text))
        self.query_one("#code-crop", CodeCrop).show(crop)

    def crop_of(self, index: int) -> Image | None:
        """The crop of code ``index`` while it is still to check."""
        if self.result is None or not self.result.codes[index].low_confidence:
            return None
        return self.crops.get(index)

    # --- correcting and looking up --------------------------------------------------

    def action_correct(self) -> None:
        """Type the highlighted code as printed; it is looked up again."""
        index = self.selected()
        if index is None or self.result is None:
            self.notify("Read a photo first, then pick a code to correct.", timeout=4)
            return
        code = self.result.codes[index]
        kind = code.kind.value.replace("_", " ")

        def typed(text: str | None) -> None:
            if text is None or not text.strip():
                return
            if text.strip() == code.value:
                self.notify(f"{code.value} is what was read: nothing corrected.")
                return
            self._correct(index, text)

        crop = self.crop_of(index)
        self.app.push_screen(CorrectionScreen(code.value, kind, crop), typed)

    @work(thread=True, exit_on_error=False, group="photo", exclusive=True)
    def _correct(self, index: int, typed: str) -> None:
        from edge_agent.ocr import CorrectionInvalid
        from edge_agent.tui.tasks.photos import correct

        result = self.result
        if result is None:
            return
        original = result.codes[index]
        try:
            fixed, lookup = correct(
                field_app(self).settings, self._engine(), typed, original, result.sha256
            )
        except CorrectionInvalid as exc:
            self.app.call_from_thread(
                self.notify, exc.message, title="Not a code", severity="error"
            )
            return
        if (fixed.kind, fixed.value) == (original.kind, original.value):
            unchanged = f"{original.value} is what was read: nothing corrected."
            self.app.call_from_thread(self.notify, unchanged)
            return
        self.post_message(PhotoRead(result.with_correction(original, fixed, lookup)))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.run_worker(self.action_look_up(), exclusive=False)

    async def action_look_up(self) -> None:
        """Ask the chat about the highlighted code (exact lookup, with sources)."""
        index = self.selected()
        if index is None or self.result is None:
            self.notify("Read a photo first, then pick a code to look up.", timeout=4)
            return
        await field_app(self).ask_in_chat(self.result.codes[index].value)

    def _state(self, text: str, tone: str = "") -> None:
        widget = self.query_one("#ocr-state", Static)
        widget.update(Content(text))
        widget.set_classes(tone)
