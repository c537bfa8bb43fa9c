"""The footer is rebuilt only when the keys it shows change, and then shows exactly what Textual's would; the
overview's first frame is complete (footer keys, evidence pane) and is not laid out again for them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from posture.tui.app import PostureApp
from posture.tui.screens.overview import OverviewScreen
from posture.tui.widgets.footer import Footer
from tests.tui.conftest import drive
from tests.tui.fakes import screen_text, write_fake_config


def keys_drawn(app: App[Any]) -> list[tuple[str, str, bool]]:
    """The footer's keys as drawn: key, label, and whether it is drawn disabled."""
    footer = app.screen.query_one(TextualFooter)
    return [(key.key, key.description, key.has_class("-disabled")) for key in footer.query(FooterKey)]


def count_builds(monkeypatch: Any) -> list[str]:
    built: list[str] = []
    original = FooterKey.__init__

    def counted(self: FooterKey, key: str, *args: Any, **kwargs: Any) -> None:
        built.append(key)
        original(self, key, *args, **kwargs)

    monkeypatch.setattr(FooterKey, "__init__", counted)
    return built


def test_the_overview_builds_its_footer_keys_once(app_for: Callable[..., PostureApp], tmp_path: Path,
                                                  monkeypatch: Any) -> None:
    built = count_builds(monkeypatch)
    app = app_for(write_fake_config(tmp_path))
    seen: dict[str, Any] = {}

    async def scenario(pilot: Any) -> None:
        assert isinstance(app.screen, OverviewScreen)
        await pilot.pause()
        seen["drawn"] = keys_drawn(app)
        seen["built"] = list(built)
        app.screen.refresh_bindings()  # the same bindings again: nothing to rebuild
        await pilot.pause()
        seen["after refresh"] = list(built)

    drive(app, scenario)
    drawn = [(key, label) for key, label, _ in seen["drawn"]]
    assert ("r", "Run") in drawn and ("q", "Quit") in drawn and ("question_mark", "Help") in drawn
    assert seen["built"] == [key for key, _ in drawn]  # each key built once: no second or third build
    assert seen["after refresh"] == seen["built"]


class Field(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f7", "clear_field", "Clear field")]

    def action_clear_field(self) -> None:
        self.value = ""


class Toggling(App[None]):
    """An app whose 'save' key is enabled only while `ready` holds, and a field that has the focus first
    (function keys: Textual hides printable keys' bindings while a text field has the focus)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "save", "Save"), Binding("f6", "close", "Close")]

    def __init__(self, footer: type[TextualFooter]) -> None:
        super().__init__()
        self.footer_type = footer
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Field(id="field")
        yield self.footer_type()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.ready else None  # None: shown, drawn disabled
        return True

    def action_save(self) -> None:
        pass

    def action_close(self) -> None:
        pass


def run_toggling(footer: type[TextualFooter]) -> dict[str, Any]:
    app = Toggling(footer)
    seen: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=(100, 10)) as pilot:
            await pilot.pause()
            seen["start"] = keys_drawn(app)
            app.ready = True
            app.refresh_bindings()
            await pilot.pause()
            seen["enabled"] = keys_drawn(app)
            app.set_focus(None)  # the field's own key leaves with its focus
            await pilot.pause()
            seen["unfocused"] = keys_drawn(app)

    asyncio.run(main())
    return seen


def test_a_change_in_the_keys_rebuilds_it_as_textuals_own_footer_would() -> None:
    ours, textuals = run_toggling(Footer), run_toggling(TextualFooter)
    assert ours == textuals
    assert ("f5", "Save", True) in ours["start"]  # drawn disabled until ready
    assert ("f5", "Save", False) in ours["enabled"]
    assert ("f7", "Clear field", False) in ours["enabled"]
    assert ("f7", "Clear field", False) not in ours["unfocused"] and ("f6", "Close", False) in ours["unfocused"]


def test_the_first_frame_already_draws_the_footer_keys_and_the_evidence(
        app_for: Callable[..., PostureApp], tmp_path: Path, monkeypatch: Any) -> None:
    """Textual's own footer composes nothing until the screen's first bindings update, after the first frame:
    the overview first showed an empty footer and was laid out again to add the keys."""
    built = count_builds(monkeypatch)
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
        seen["text"] = screen_text(app)

    drive(app, scenario)
    assert first["keys"] and first["keys"] == seen["keys"]
    assert built == [key for key, _, _ in seen["keys"]]  # built once, in the first frame
    assert "probes 127.0.0.1" in first["text"]  # the highlighted check's evidence, from the first frame on
    assert "r Run" in first["text"].replace("  ", " ")


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
