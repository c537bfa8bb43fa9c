"""Textual's footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (a FooterKey widget per key, each styled three times over) whenever the
screen's bindings are updated: on mount, on every focus move, on every binding check. Most of those leave
the keys it shows as they were; at the overview's start the footer was built three times for one frame.

It also composes nothing until the screen's first bindings update, which comes after the first frame: the
first paint showed an empty footer, and building the keys then cost a second layout of the screen before
it settled. This one draws its keys with the first frame.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

Shown = tuple[tuple[Any, ...], ...]


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed_for: Shown | None = None

    def compose(self) -> ComposeResult:
        # Textual's compose waits for this flag, set by the first bindings update; the screen's bindings are
        # already known when the footer is composed inside it.
        self._bindings_ready = True
        self._composed_for = self.shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Textual recomposes only under these conditions (widgets/_footer.py); a skipped call must not
        # count as a composed state, so they are tested here before the keys are compared.
        will_compose = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_compose:
            shown = self.shown_keys(screen)
            if shown == self._composed_for:
                return
            self._composed_for = shown
        super().bindings_changed(screen)

    def shown_keys(self, screen: Screen[Any]) -> Shown:
        """Everything the footer draws from: each shown binding's key, label, action, group and whether it is
        enabled (a disabled key is drawn dim) and its tooltip, plus the command palette's binding (its key is
        drawn from a hidden binding). Hidden bindings are left out: focusing a list adds a dozen (up, down,
        page keys) that change nothing drawn."""
        palette = screen.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.key_display, binding.description, binding.action, binding.group, binding.show, enabled,
             tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )
