"""The findings table: a Line API widget that only ever renders the rows on screen.

Textual's DataTable measures every cell of every row it is given; with 10,000 findings a rebuild
on each keystroke took about two seconds. Here a filter swaps one list and repaints the visible lines,
so typing in the search box stays well under the 100 ms goal (bench/bench_tui.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from posture.tui.findings_model import Row
from posture.tui.plain import visible


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # 0: takes the remaining width


# Display order; at narrow widths the weakness, then status and check columns make room for the title.
COLUMNS = (Column("new", "New", 3), Column("severity", "Severity", 10), Column("status", "Status", 6),
           Column("check", "Check", 15), Column("asset", "Asset", 16), Column("weakness", "Weakness", 22),
           Column("title", "Title", 0))
DROP_ORDER = ("weakness", "status", "check")
MIN_TITLE = 34


def layout(width: int, with_new: bool = True) -> list[Column]:
    """The columns that fit `width`, the title taking what is left (at least MIN_TITLE when possible).

    The "new" column is left out when there is no earlier run to compare with.
    """
    columns = [c for c in COLUMNS if with_new or c.key != "new"]
    for drop in (None, *DROP_ORDER):
        if drop is not None:
            columns = [c for c in columns if c.key != drop]
        fixed = sum(c.width for c in columns if c.width) + len(columns) - 1
        if width - fixed >= MIN_TITLE:
            break
    rest = max(5, width - fixed)
    return [c if c.width else Column(c.key, c.label, rest) for c in columns]


def cell_text(row: Row, key: str) -> str:
    f = row.finding
    if key == "new":
        return "new" if row.new else ""
    if key == "severity":
        return f.severity.value
    if key == "status":
        return f.status.value
    if key == "check":
        return f.check
    if key == "asset":
        return f.asset
    if key == "weakness":
        return row.weakness
    return f.title


def fit(text: str, width: int) -> str:
    """Pad or cut to exactly `width` cells, marking a cut with an ellipsis.

    Control characters (an escape sequence in a hostname from a hostile scan) are shown, never sent.
    """
    text = visible(text, one_line=True)
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""
    return set_cell_size(text, width)


class FindingsTable(ScrollView, can_focus=True):
    """Rows of findings with a keyboard cursor; posts Highlighted and Selected with the finding's row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "findings-table--header", "findings-table--cursor", "findings-table--new",
        "findings-table--critical", "findings-table--high", "findings-table--medium", "findings-table--low",
        "findings-table--info", "findings-table--pass", "findings-table--error",
    }

    cursor = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, row: Row | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class SortClicked(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.sort_key = ""
        self.reverse = False
        self.with_new = True
        # "/" then fast typing: Textual hands queued keys to the widget focused when they arrived, so the
        # table starts the search itself (not via a bubbling binding) and passes on what follows "/".
        self.start_search: Callable[[], None] | None = None
        self.redirect_typing: Callable[[str], None] | None = None

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def show(self, rows: list[Row], sort_key: str = "", reverse: bool = False, with_new: bool = True) -> None:
        """Replace the visible rows, keeping the cursor on the same finding when it is still shown."""
        keep = self.current
        self.rows = rows
        self.sort_key, self.reverse, self.with_new = sort_key, reverse, with_new
        self.virtual_size = Size(0, len(rows) + 1)  # +1: the header line; never scrolls sideways
        index = 0
        if keep is not None:
            index = next((i for i, r in enumerate(rows) if r.finding.id == keep.finding.id), 0)
        if index == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = index
        self.refresh()

    # --- keys -------------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self._body_height() - 1))

    def action_edge(self, end: int) -> None:
        self.cursor = max(0, len(self.rows) - 1) if end else 0

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def on_key(self, event: events.Key) -> None:
        if event.key == "slash" and self.start_search is not None and self.redirect_typing is None:
            event.stop()
            event.prevent_default()
            self.start_search()
        elif self.redirect_typing is not None and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.redirect_typing(event.character)

    def on_click(self, event: events.Click) -> None:
        y = event.y  # relative to the widget
        if y == 0:
            x = 0
            for column in layout(self.scrollable_content_region.width, self.with_new):
                if x <= event.x < x + column.width + 1 and column.key != "new":
                    self.post_message(self.SortClicked(column.key))
                x += column.width + 1
        elif y >= 1:
            index = int(self.scroll_offset.y) + y - 1
            if 0 <= index < len(self.rows):
                if index == self.cursor and event.chain > 1:
                    self.action_select()
                self.cursor = index

    def watch_cursor(self, cursor: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    # --- rendering --------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = layout(width, self.with_new)
        base = self.rich_style
        if y == 0:
            return self._line(columns, [self._label(c) for c in columns], width,
                              base + self.get_component_rich_style("findings-table--header"), {})
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("findings-table--cursor")
        f = row.finding
        tone = f.severity.value if f.status.value == "fail" else f.status.value
        accents = {"severity": self.get_component_rich_style(f"findings-table--{tone}", partial=True)}
        if row.new:
            accents["new"] = self.get_component_rich_style("findings-table--new", partial=True)
        return self._line(columns, [cell_text(row, c.key) for c in columns], width, style, accents)

    def _label(self, column: Column) -> str:
        if column.key == self.sort_key:
            return column.label + (" ▼" if self.reverse else " ▲")
        return column.label

    @staticmethod
    def _line(columns: list[Column], texts: list[str], width: int, style: Style,
              accents: dict[str, Style]) -> Strip:
        segments = []
        for i, (column, text) in enumerate(zip(columns, texts, strict=True)):
            if i:
                segments.append(Segment(" ", style))
            accent = accents.get(column.key)
            segments.append(Segment(fit(text, column.width), style + accent if accent else style))
        return Strip(segments).adjust_cell_length(width, style)
