"""Label/value rows in one widget, the value column wrapping under itself: the overview's summary.

A Grid of a Static per label and per value cost the first paint a dozen widgets, each with its own style
pass and layout; one widget that wraps its own lines draws the same rows.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

Row = tuple[str, Content]


class LabelRows(Widget):
    DEFAULT_CSS = """
    LabelRows {
        height: auto;
    }
    """
    LABEL_WIDTH = 14  # the longest label ("Authorised by") and a space

    def __init__(self, rows: list[Row], *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.rows = rows

    def set_rows(self, rows: list[Row]) -> None:
        self.rows = rows
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        blank = Content(" " * self.LABEL_WIDTH)
        out: list[Content] = []
        for label, value in self.rows:
            head = Content.styled(label, "bold") + Content(" " * (self.LABEL_WIDTH - len(label)))
            wrapped = value.wrap(max(width - self.LABEL_WIDTH, 1)) or [Content("")]
            out += [(head if n == 0 else blank) + line for n, line in enumerate(wrapped)]
        return out

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_region.width))
