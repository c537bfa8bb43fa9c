"""Asked before quitting abandons a running scan."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmQuitScreen(ModalScreen[bool]):
    HELP: ClassVar[str] = "y stops the running checks and quits; n or Escape goes back to the run."
    AUTO_FOCUS = "#stay"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Keep running"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static("A scan is still running.", classes="dialog-title")
            yield Static("Quit now? The running checks are cancelled and this run is not recorded.")
            with Horizontal(id="confirm-buttons"):
                yield Button("Quit (y)", variant="error", id="quit")
                yield Button("Keep running (n)", variant="primary", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
