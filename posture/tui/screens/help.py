"""`?`: what the current screen is for and every key it answers to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from posture.tui.plain import plain

GENERAL = [("ctrl+p", "Command palette: run, findings, plan, light or dark theme…"), ("?", "This help"),
           ("q / ctrl+q", "Quit (asks first while a scan runs or a run is unsaved)"), ("tab", "Next field")]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,enter", "close", "Close")]

    def __init__(self, about: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.about = about
        self.keys = keys

    @classmethod
    def for_screen(cls, screen: Screen[object]) -> HelpScreen:
        """Help for `screen`: its HELP text and the keys the screen itself defines.

        Only the screen's own bindings: the focused widget's (an Input's cursor keys, a list's) and
        Textual's generic ones are not what this screen does, and "Everywhere" lists the app's.
        """
        keys: dict[str, str] = {}
        own = {b.action for cls in type(screen).__mro__ if cls.__module__.startswith("posture.")
               for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen or binding.action not in own:
                continue
            if binding.description and not binding.system and binding.action not in ("quit", "help"):
                keys.setdefault(binding.key_display or key, binding.description)
        about = getattr(screen, "HELP", "") or "posture: assess a small business's security and plan what to fix."
        return cls(about, list(keys.items()))

    def compose(self) -> ComposeResult:
        parts: list[str | tuple[str, str]] = [(self.about, ""), ("\n\nKeys here", "bold $text-primary")]
        parts += [part for key, text in self.keys for part in (f"\n  {key:<12}", (text, ""))]
        parts.append(("\n\nEverywhere", "bold $text-primary"))
        parts += [part for key, text in GENERAL for part in (f"\n  {key:<12}", (text, ""))]
        parts.append(("\n\nEscape closes this help.", "$text-muted"))
        with VerticalScroll(id="help-dialog"):
            yield Static(plain(*parts))

    def action_close(self) -> None:
        self.dismiss(None)
