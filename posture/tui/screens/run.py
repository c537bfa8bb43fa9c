"""The run: one line per check with live progress, elapsed time, cancel, and errors with their reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from posture.tui.host import Host
from posture.tui.plain import plain
from posture.tui.run_state import RunState
from posture.tui.widgets.check_lines import check_line
from posture.tui.widgets.footer import Footer


class RunScreen(Screen[None]):
    HELP: ClassVar[str] = ("The checks run side by side; the UI stays usable while they do. c cancels the "
                           "highlighted check, C cancels them all (their results become errors saying so). "
                           "A check that fails shows its reason on its line. When the run ends, Enter shows "
                           "the findings and p the plan.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_check", "Cancel check"),
        Binding("C", "cancel_all", "Cancel all", key_display="C"),
        Binding("f", "findings", "Findings"),
        Binding("p", "plan", "Plan"),
        Binding("escape", "leave", "Overview"),
    ]

    def __init__(self, state: RunState) -> None:
        super().__init__()
        self.state = state

    @property
    def posture_app(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="run"):
            yield Static(id="run-summary")
            yield OptionList(*[Option(check_line(line, self.state.clock()), id=line.id)
                               for line in self.state.lines.values()], id="check-lines")
            yield Static(id="run-problems", classes="problems")
            yield Static(id="run-saved")
            yield Static(id="run-next")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#check-lines", OptionList).highlighted = 0
        self.set_interval(0.5, self._tick)
        self.refresh_lines(None)

    def _tick(self) -> None:
        if self.state.running:
            self.refresh_lines([line.id for line in self.state.lines.values() if line.state == "running"])

    def refresh_lines(self, check_ids: Iterable[str] | None) -> None:
        """Redraw the given lines (all when None) and the summary; called by the app on each event."""
        if not self.is_mounted:
            return
        options = self.query_one("#check-lines", OptionList)
        now = self.state.clock()
        for check_id in (self.state.lines if check_ids is None else check_ids):
            options.replace_option_prompt(check_id, check_line(self.state.lines[check_id], now))
        self.query_one("#run-summary", Static).update(plain((self.state.summary(), "bold")))
        problems = self.query_one("#run-problems", Static)
        problems.display = bool(self.state.failure)
        if self.state.failure:
            problems.update(plain(*[f"{line}\n" for line in self.state.failure],
                                             ("Fix these in your editor, then press Escape and R to reload.",
                                              "$text-muted")))
        saved = self.state.saved()
        self.query_one("#run-saved", Static).update(
            plain((saved, "bold $text-error" if self.state.report_error else "$text-success")))  # a path may hold "["
        hint = ""
        if self.state.assessment is not None:
            hint = "Enter or f: the findings · p: the plan · Escape: back to the overview"
        self.query_one("#run-next", Static).update(hint)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cancel_check", "cancel_all"):
            return self.state.running
        if action in ("findings", "plan"):
            return self.state.assessment is not None
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.state.assessment is not None:
            self.posture_app.show_findings()

    def action_cancel_check(self) -> None:
        option = self.query_one("#check-lines", OptionList).highlighted_option
        if option is not None and option.id:
            self.posture_app.cancel(option.id)

    def action_cancel_all(self) -> None:
        self.posture_app.cancel(None)

    def action_findings(self) -> None:
        self.posture_app.show_findings()

    def action_plan(self) -> None:
        self.posture_app.show_plan()

    def action_leave(self) -> None:
        if self.state.running:
            self.app.notify("The run is still going: c cancels a check, C cancels them all.", severity="warning")
            return
        self.app.pop_screen()
