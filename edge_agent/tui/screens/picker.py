"""Choosing a photo from the photos folder (the ``photos_dir`` setting)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"}
)


class PhotoTree(DirectoryTree):
    """Folders and image files only, hidden files left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (path.is_dir() or path.suffix.lower() in PHOTO_SUFFIXES)
        ]


class PhotoPickerScreen(ModalScreen[Path | None]):
    """A file tree rooted at the photos folder; Enter on a photo picks it."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Static(Content(f"Photos in {self.folder}"), classes="title")
            yield PhotoTree(self.folder, id="photo-tree")
            yield Static(Content("Enter opens a photo; Esc cancels."), classes="hint")

    def on_mount(self) -> None:
        self.query_one(PhotoTree).focus()

    def on_directory_tree_file_selected(
        self, event: DirectoryTree.FileSelected
    ) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_close(self) -> None:
        self.dismiss(None)
