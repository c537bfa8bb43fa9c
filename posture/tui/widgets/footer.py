"""Textual's footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (a FooterKey widget per key, each styled three times over) whenever the
screen's bindings are updated: on mount, on every focus move, on every binding check. Most of those leave
the keys it shows as they were; at the overview's start the footer was built three times for one frame.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

Shown = tuple[tuple[Any, ...], ...]


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed_for: Shown | None = None

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
        """Everything the footer draws from: each active binding's key, label, action, group and whether it
        is shown, enabled (a disabled key is drawn dim) and its tooltip. (Hidden ones too: the command
        palette's key is drawn from its hidden binding.)"""
        return tuple(
            (key, binding.key_display, binding.description, binding.action, binding.group, binding.show, enabled,
             tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        )
