"""Asked before quitting would lose something: a running scan, or a run whose reports were not saved."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from posture.tui.plain import plain


class ConfirmQuitScreen(ModalScreen[bool]):
    HELP: ClassVar[str] = ("y quits (stopping the running checks, if any); n or Escape goes back. Quitting now "
                           "loses what the dialog names.")
    AUTO_FOCUS = "#stay"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]

    def __init__(self, running: bool = True, unsaved: str = "") -> None:
        super().__init__()
        self.running = running
        self.unsaved = unsaved

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            if self.running:
                yield Static("A scan is still running.", classes="dialog-title")
                yield Static("Quit now? The running checks are cancelled and this run is not recorded.")
            else:
                yield Static("The last run is not saved.", classes="dialog-title")
                yield Static(plain(f"Quit now? {self.unsaved[:1].upper()}{self.unsaved[1:]}; the plan screen's "
                                   "export (e) can still write it elsewhere."))
            with Horizontal(id="confirm-buttons"):
                yield Button("Quit (y)", variant="error", id="quit")
                yield Button("Keep running (n)" if self.running else "Stay (n)", variant="primary", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
