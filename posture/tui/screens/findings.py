"""The findings: a sortable, filterable table with a detail pane (below it when the terminal is tall)."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Input, Static

from posture.models import Assessment
from posture.tui.findings_model import FindingsView, Row, make_rows
from posture.tui.host import Host
from posture.tui.plain import plain
from posture.tui.widgets.finding_detail import FindingDetail
from posture.tui.widgets.findings_table import FindingsTable
from posture.tui.widgets.footer import Footer


class FindingsScreen(Screen[None]):
    HELP: ClassVar[str] = ("Every finding of the run. Type after / to search titles, assets, checks and "
                           "weaknesses (all words must match). t cycles problems / everything / passed / errors, "
                           "v raises the severity floor, n shows only what is new since the last run, s changes "
                           "the sort column and r reverses it. Enter opens the highlighted finding.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("t", "status", "Status"),
        Binding("v", "severity", "Severity"),
        Binding("n", "new_only", "New"),
        Binding("p", "plan", "Plan"),
        Binding("escape", "leave", "Back"),
    ]
    # Focus is set when the screen is composed, so a key typed right away cannot race a later focus().
    AUTO_FOCUS = "FindingsTable"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # the detail pane only fits a tall terminal

    def __init__(self, assessment: Assessment) -> None:
        super().__init__()
        self.assessment = assessment
        new = assessment.drift.new if assessment.drift else ()
        self.view = FindingsView(make_rows(assessment.findings, new))

    @property
    def posture_app(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="findings"):
            # Not select-on-focus: what "/" passed on before focus moved must not be typed over.
            yield Input(placeholder="/ search titles, assets, checks, weaknesses", id="search", select_on_focus=False)
            yield Static(id="filter-summary")
            yield FindingsTable(id="table")
            yield FindingDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FindingsTable).start_search = self.action_search
        self.refilter()

    def refilter(self) -> None:
        rows = self.view.visible()
        self.query_one(FindingsTable).show(rows, self.view.sort_key, self.view.reverse,
                                           with_new=self.assessment.drift is not None)
        self.query_one("#filter-summary", Static).update(plain(self.view.describe(len(rows))))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.view.query = event.value
            self.refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._focus_table()

    def _focus_table(self) -> None:
        table = self.query_one(FindingsTable)
        table.redirect_typing = None
        self.set_focus(table)

    def on_findings_table_highlighted(self, event: FindingsTable.Highlighted) -> None:
        row = event.row
        self.query_one(FindingDetail).show(row.finding if row else None, self.assessment, bool(row and row.new))

    def on_findings_table_sort_clicked(self, event: FindingsTable.SortClicked) -> None:
        self.view.sort_by(event.key)  # a second click on the same header reverses
        self.refilter()

    def on_findings_table_selected(self, event: FindingsTable.Selected) -> None:
        self.app.push_screen(FindingDetailScreen(event.row, self.assessment))

    def on_paste(self, event: events.Paste) -> None:
        # Text pasted (or typed faster than keys are read) over the table goes to the search box.
        search = self.query_one("#search", Input)
        if self.focused is not search and event.text.strip():
            search.value = event.text.strip().splitlines()[0]
            search.cursor_position = len(search.value)
            self.set_focus(search)

    def action_search(self) -> None:
        # "/telnet" typed fast: the keys after "/" may already be queued for the table; it passes them on.
        search = self.query_one("#search", Input)
        self.query_one(FindingsTable).redirect_typing = search.insert_text_at_cursor
        self.set_focus(search)

    def action_sort(self) -> None:
        self.view.cycle_sort()
        self.refilter()

    def action_reverse(self) -> None:
        self.view.sort_by(self.view.sort_key, reverse=not self.view.reverse)
        self.refilter()

    def action_status(self) -> None:
        self.view.cycle_status()
        self.refilter()

    def action_severity(self) -> None:
        self.view.cycle_severity()
        self.refilter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_only":  # nothing can be new without an earlier run
            return self.assessment.drift is not None
        return True

    def action_new_only(self) -> None:
        self.view.new_only = not self.view.new_only
        self.refilter()

    def action_plan(self) -> None:
        self.posture_app.show_plan()

    def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self._focus_table()
        else:
            self.app.pop_screen()


class FindingDetailScreen(ModalScreen[None]):
    """One finding over the table, for terminals too short to show the detail pane."""

    HELP: ClassVar[str] = "The whole finding: evidence, why it matters, what to do, the guide step and sources."
    AUTO_FOCUS = "FindingDetail"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, row: Row, assessment: Assessment) -> None:
        super().__init__()
        self.row = row
        self.assessment = assessment

    def compose(self) -> ComposeResult:
        yield FindingDetail(id="detail-dialog")
        yield Footer()

    def on_mount(self) -> None:
        detail = self.query_one(FindingDetail)
        detail.show(self.row.finding, self.assessment, self.row.new)

    def action_close(self) -> None:
        self.dismiss(None)
