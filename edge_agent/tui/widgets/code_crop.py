"""The part of a photo a code was read from, drawn in half blocks.

Shown beside a code read with low confidence, so that the technician can
compare the reading with the photo before trusting or correcting it. Hidden
while it has no crop. The OCR stack (pillow and the crops module) is imported
only when a crop is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget

if TYPE_CHECKING:
    from PIL.Image import Image
    from textual.app import RenderResult

MAX_ROWS = 6
"""Tallest crop drawn by default, in rows of the terminal."""


class CodeCrop(Widget):
    """A crop of the photo, as wide as it fits (at most 60 cells)."""

    def __init__(
        self,
        crop: Image | None = None,
        *,
        max_rows: int = MAX_ROWS,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.max_rows = max_rows
        self._crop: Image | None = None
        self.show(crop)

    @property
    def crop(self) -> Image | None:
        return self._crop

    def show(self, crop: Image | None) -> None:
        """Draw ``crop``; ``None`` hides the widget."""
        self._crop = crop
        self.display = crop is not None
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        if self._crop is None:
            return ""
        from edge_agent.ocr.crops import half_blocks

        cells = self._cells(self.content_size.width)
        return half_blocks(self._crop, max_cells=cells[0], max_rows=self.max_rows)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._cells(container.width)[0]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._cells(width)[1]

    def _cells(self, room: int) -> tuple[int, int]:
        """Cells (wide, high) the crop takes with ``room`` cells across."""
        if self._crop is None:
            return 0, 0
        from edge_agent.ocr.crops import MAX_CELLS, terminal_size

        cells = min(MAX_CELLS, room) if room > 0 else MAX_CELLS
        width, height = terminal_size(
            self._crop.size, max_cells=cells, max_rows=self.max_rows
        )
        return width, (height + 1) // 2
