"""posture's footer is one widget that draws the screen's keys exactly as Textual's compact Footer does (the
same cells in the same styles, checked segment by segment against Textual's own), complete from the first
frame, repainted only when the keys it shows change, and a click on a key presses it. The overview's first
frame is complete (footer keys, evidence pane) and is not laid out again for them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input, SelectionList

from posture.tui.app import PostureApp
from posture.tui.screens.overview import OverviewScreen
from posture.tui.widgets.footer import Footer
from tests.tui.conftest import drive
from tests.tui.fakes import screen_text, write_fake_config


def keys_drawn(app: App[Any]) -> list[tuple[str, str, bool]]:
    """posture's footer keys as drawn: key, label, and whether it is drawn disabled."""
    return [(k.key, k.description, not k.enabled) for k in app.screen.query_one(Footer).keys_drawn()]


def footer_line(app: App[Any]) -> list[tuple[str, str]]:
    """The screen's bottom line as the terminal gets it: each run of text with its style."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      legacy_windows=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = list(Segment.split_lines(console.render(update, console.options)))
    return [(s.text, str(s.style)) for s in Segment.simplify(lines[height - 1]) if s.text.strip("\x1b[;H0123456789")]


def test_the_first_frame_draws_the_keys_and_the_evidence_and_nothing_is_repainted_for_the_same_keys(
        app_for: Callable[..., PostureApp], tmp_path: Path, monkeypatch: Any) -> None:
    """Textual's own footer composed nothing until the screen's first bindings update, after the first frame,
    then built a widget per key and laid the screen out again; it rebuilt them on every focus move."""
    first: dict[str, Any] = {}
    display = App._display

    def recorded(self: App[Any], screen: Any, renderable: Any) -> None:
        if isinstance(screen, OverviewScreen) and not first:
            first["keys"] = keys_drawn(self)
            first["text"] = screen_text(self)
        display(self, screen, renderable)

    monkeypatch.setattr(App, "_display", recorded)
    app = app_for(write_fake_config(tmp_path, fake_ports={"hosts": ["127.0.0.1"], "ports": [22]}))
    seen: dict[str, Any] = {}

    async def scenario(pilot: Any) -> None:
        await pilot.pause()
        seen["keys"] = keys_drawn(app)
        footer = app.screen.query_one(Footer)
        repaints: list[bool] = []
        refresh = footer.refresh
        monkeypatch.setattr(footer, "refresh", lambda *a, **k: (repaints.append(True), refresh(*a, **k))[1])
        app.screen.refresh_bindings()  # the same bindings again
        app.screen.set_focus(None)  # the check list's hidden keys (up, down, page...) leave: nothing drawn changes
        await pilot.pause()
        app.screen.set_focus(app.screen.query_one(SelectionList))
        await pilot.pause()
        seen["repaints"] = len(repaints)

    drive(app, scenario)
    assert first["keys"] and first["keys"] == seen["keys"]
    drawn = [(key, label) for key, label, _ in seen["keys"]]
    assert ("r", "Run") in drawn and ("q", "Quit") in drawn and ("question_mark", "Help") in drawn
    assert drawn[-1] == ("ctrl+p", "palette")  # docked right
    assert seen["repaints"] == 0
    assert "probes 127.0.0.1" in first["text"]  # the highlighted check's evidence, from the first frame on
    assert "r Run" in first["text"]


class Field(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f7", "clear_field", "Clear field")]

    def action_clear_field(self) -> None:
        self.value = ""


class Toggling(App[None]):
    """An app whose 'save' key is enabled only while `ready` holds, and a field that has the focus first
    (function keys: Textual hides printable keys' bindings while a text field has the focus)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "save", "Save"), Binding("f6", "close", "Close"),
                                             Binding("f8", "close", "Close too")]  # one action, two keys

    def __init__(self, footer: Callable[[], Any], width: int = 100) -> None:
        super().__init__()
        self.footer = footer
        self.width = width
        self.ready = False
        self.saved = self.closed = self.bells = 0

    def compose(self) -> ComposeResult:
        yield Field(id="field")
        yield self.footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.ready else None  # None: shown, drawn disabled
        return True

    def action_save(self) -> None:
        self.saved += 1

    def action_close(self) -> None:
        self.closed += 1

    def bell(self) -> None:
        self.bells += 1


def run_toggling(footer: Callable[[], Any], width: int) -> dict[str, Any]:
    app = Toggling(footer, width)
    seen: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=(width, 10)) as pilot:
            await pilot.pause()
            seen["start"] = footer_line(app)
            app.ready = True
            app.refresh_bindings()
            await pilot.pause()
            seen["enabled"] = footer_line(app)
            app.set_focus(None)  # the field's own key leaves with its focus
            await pilot.pause()
            seen["unfocused"] = footer_line(app)

    asyncio.run(main())
    return seen


def test_it_draws_exactly_what_textuals_compact_footer_draws() -> None:
    # Wide, and so narrow that the command palette's key (docked right) covers the last keys.
    for width in (100, 36):
        ours = run_toggling(Footer, width)
        textuals = run_toggling(lambda: TextualFooter(compact=True), width)
        assert ours == textuals, width
    wide = run_toggling(Footer, 100)
    text = {state: "".join(t for t, _ in line) for state, line in wide.items()}
    assert "f5 Save" in text["start"] and "f7 Clear field" in text["start"] and "Close too" not in text["start"]
    assert "f7 Clear field" not in text["unfocused"] and "f6 Close" in text["unfocused"]
    dim = [style for t, style in wide["start"] if t.strip() in ("f5", "Save")]
    assert dim and all("dim" in style for style in dim)  # drawn disabled until ready
    assert not any("dim" in style for t, style in wide["enabled"] if t.strip() in ("f5", "Save"))


def test_a_click_presses_the_key_and_a_disabled_key_rings_the_bell() -> None:
    app = Toggling(Footer)
    seen: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=(100, 10)) as pilot:
            await pilot.pause()
            footer = app.query_one(Footer)
            at = {key.key: start for start, _, key in footer._spans}
            await pilot.click(Footer, offset=(at["f6"] + 1, 0))
            await pilot.click(Footer, offset=(at["f5"], 0))  # disabled: not ready
            await pilot.pause()
            seen["before"] = (app.closed, app.saved, app.bells)
            app.ready = True
            app.refresh_bindings()
            await pilot.pause()
            await pilot.hover(Footer, offset=(at["f5"], 0))
            seen["hovered"] = footer_line(app)
            await pilot.click(Footer, offset=(at["f5"], 0))
            await pilot.pause()
            seen["after"] = (app.closed, app.saved, app.bells)

    asyncio.run(main())
    assert seen["before"] == (1, 0, 1)
    assert seen["after"] == (1, 1, 1)
    styles = {t.strip(): style for t, style in seen["hovered"]}
    assert styles["f5"] != styles["f6"]  # the key under the pointer is highlighted, as Textual's are


def test_moving_along_the_check_list_shows_each_checks_evidence(app_for: Callable[..., PostureApp],
                                                                 tmp_path: Path) -> None:
    """The first check's evidence is composed with the screen (its highlight event is skipped, not its
    successors'): down shows the next check's, up the first one's again."""
    app = app_for(write_fake_config(tmp_path, fake_ports={"hosts": ["127.0.0.9"]}, fake_broken={}))
    seen: list[str] = []

    async def scenario(pilot: Any) -> None:
        for keys in ((), ("down",), ("up",)):
            await pilot.press(*keys)
            await pilot.pause()
            seen.append(screen_text(app))

    drive(app, scenario)
    assert "probes 127.0.0.9" in seen[0] and "Backup tool (fake) reads:" not in seen[0]
    assert "Backup tool (fake) reads:" in seen[1] and "probes 127.0.0.9" not in seen[1]
    assert "probes 127.0.0.9" in seen[2]


def test_no_posture_binding_needs_what_the_footer_does_not_draw() -> None:
    """The footer draws neither binding groups nor tooltips (Textual's does): none of posture's bindings has one."""
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    import posture.tui.screens as screens

    classes: list[type[DOMNode]] = [PostureApp]
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"posture.tui.screens.{info.name}")
        classes += [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, DOMNode)
                    and c.__module__ == module.__name__]
    bindings = [b for c in classes for b in c.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) > 20
    assert not [b for b in bindings if b.group is not None or b.tooltip]
