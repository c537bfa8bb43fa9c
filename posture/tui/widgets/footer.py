"""The screen's keys on one line: one widget, drawn like Textual's compact Footer.

Textual's Footer is a scrolling container with a widget per key (FooterKey), each styled three times over
and laid out on its own; it recomposed them on every bindings update (each focus move) and composed none
until the screen's first update, after the first frame. On the overview its keys cost 122 million of the
first screen's 2,120 million instructions (valgrind), and every screen pushed later built its own. This
footer draws the same keys in the same cells and styles (a test compares them with Textual's, segment by
segment) as one line of text, and repaints only when the keys it shows change. Clicking a key presses it
and a disabled key rings the bell, as with Textual's. Not drawn: binding groups and tooltips, which no
posture binding has.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


class Key(NamedTuple):
    """One key as the footer draws it (the first binding of each action)."""

    key: str
    display: str
    description: str
    enabled: bool

    @property
    def label(self) -> str:
        """What follows the key: a space and the description, or nothing."""
        return f" {self.description}" if self.description else ""


Shown = tuple[tuple[Key, ...], Key | None]  # the keys on the left, and the command palette's on the right


class Footer(Widget, can_focus=False):
    ALLOW_SELECT = False
    # The styles of Textual's FooterKey (compact) and its command-palette key, as component classes.
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer--key", "footer--description", "footer--hover", "footer--palette-border",
    }
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .footer--palette-border {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        """Textual's compact layout, with the command palette's key: what every posture screen used."""
        super().__init__()
        self._shown: Shown | None = None
        self._spans: list[tuple[int, int, Key]] = []  # each key's cells, from the last render
        self._hover: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # As Textual's footer: not while the terminal has lost the focus (the keys would flicker away).
        if not screen.app.app_focus or screen is not self.screen:
            return
        shown = self.shown_keys(screen)
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def shown_keys(self, screen: Screen[Any]) -> Shown:
        """What the footer draws from the screen's active bindings: for each action with a shown binding, its
        first key, label and whether it is enabled (a disabled key is drawn dim); and the command palette's
        key, drawn from its hidden binding."""
        first: dict[str, Key] = {}  # action -> its first shown key
        palette: Key | None = None
        app = screen.app
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            if binding.show and binding.action not in first:
                first[binding.action] = Key(key, app.get_key_display(binding), binding.description, enabled)
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = Key(key, app.get_key_display(binding), binding.description, enabled)
        return tuple(first.values()), palette

    def keys_drawn(self) -> list[Key]:
        """The keys as drawn, left to right (the palette's last)."""
        return [key for _, _, key in self._spans]

    def render_line(self, y: int) -> Strip:
        """The one line, its segments as drawn (render() would lay the footer's colour over the margins, which
        Textual's footer leaves to the background alone)."""
        blank = Style(bgcolor=self.rich_style.bgcolor)  # margins and padding: the background alone, as Textual's
        line = self._line(blank)
        return Strip(line.render(self.app.console)).crop_extend(0, self.size.width, blank)

    def _line(self, blank: Style) -> Text:
        if self._shown is None:
            self._shown = self.shown_keys(self.screen)
        keys, palette = self._shown
        key_style = self.get_component_rich_style("footer--key")
        description_style = self.get_component_rich_style("footer--description")
        hover_style = self.get_component_rich_style("footer--hover")
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, Key]] = []

        def draw(key: Key) -> None:
            start = line.cell_len
            part = Text.assemble((key.display, key_style), (key.label, description_style))
            if key.key == self._hover:
                part.stylize(hover_style)
            if not key.enabled:
                part.stylize(Style(dim=True))
            line.append_text(part)
            spans.append((start, line.cell_len, key))

        for key in keys:
            draw(key)
            line.append(" ", blank)  # the margin after each key
        if palette is not None:
            # Docked right, over whatever keys do not fit (as Textual's): a thin border, the key, one cell of
            # padding.
            room = self.size.width - (1 + cell_len(palette.display + palette.label) + 1)
            if room >= 0:
                line.truncate(room, overflow="crop")
                line.append(" " * (room - line.cell_len), blank)
                spans = [(start, min(end, room), key) for start, end, key in spans if start < room]
                line.append("▏", self.get_component_rich_style("footer--palette-border"))
                draw(palette)
                line.append(" ", blank)
        self._spans = spans
        return line

    def _key_at(self, x: int) -> Key | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        hover = key.key if key is not None else None
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
