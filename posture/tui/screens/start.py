"""The start screen: pick a config from here or sample_configs/, or create one from the starter."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from posture.assess import create_starter_config
from posture.errors import PostureError
from posture.tui.host import Host
from posture.tui.plain import plain
from posture.tui.session import find_configs
from posture.tui.widgets.footer import Footer


def shown_path(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


class StartScreen(Screen[None]):
    HELP: ClassVar[str] = ("Choose the config of the business you are assessing, or type the path of one in any "
                           "folder to open it. A path where no file is yet creates one from the commented starter "
                           "(the same file `posture init` writes): edit it, then reload it from the overview.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Open or new config"),
        Binding("f5", "rescan", "Refresh list"),
        Binding("escape", "focus_list", "Back to the list", show=False),
    ]

    def __init__(self, start_dir: Path) -> None:
        super().__init__()
        self.start_dir = start_dir
        self.configs: list[Path] = []
        self.problems: tuple[Path, list[str]] | None = None

    @property
    def posture_app(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="start"):
            yield Static(plain(f"Configs in {self.start_dir} (Enter opens one)"), classes="section-title")
            yield OptionList(id="configs")
            yield Static(id="start-problems", classes="problems")
            yield Label("Open a config by path, anywhere (Enter); a new file name writes the starter there:",
                        classes="section-title")
            yield Input(placeholder="e.g. ~/clients/acme/posture.yaml", id="new-path")
        yield Footer()

    def on_mount(self) -> None:
        self.action_rescan()
        self._show_problems()

    def action_rescan(self) -> None:
        self.configs = find_configs(self.start_dir)
        options = self.query_one("#configs", OptionList)
        options.clear_options()
        if self.configs:
            options.add_options(Option(shown_path(p, self.start_dir), id=str(p)) for p in self.configs)
            options.highlighted = 0
            self.set_focus(options)
        else:
            options.add_option(Option("No config files here yet: type a name below to create one.", disabled=True))
            self.set_focus(self.query_one("#new-path", Input))

    def action_new(self) -> None:
        self.set_focus(self.query_one("#new-path", Input))

    def action_focus_list(self) -> None:
        self.set_focus(self.query_one("#configs", OptionList))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.posture_app.open_config(Path(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if not typed:
            return
        path = Path(typed).expanduser()
        if not path.is_absolute():
            path = self.start_dir / path
        if path.is_file():  # an existing config, in this folder or any other: open it
            event.input.value = ""
            self.posture_app.open_config(path)
            return
        if path.suffix not in (".yaml", ".yml"):
            path = path.with_suffix(".yaml")
        try:
            create_starter_config(path)
        except PostureError as exc:
            self.show_problems(path, exc.lines())
            return
        event.input.value = ""
        self.action_rescan()
        self.app.notify(f"Wrote the starter config {shown_path(path, self.start_dir)}. Edit it for the business, "
                        "then press R on the overview to reload it.", timeout=10)
        self.posture_app.open_config(path)

    def show_problems(self, path: Path, lines: list[str]) -> None:
        """Say why a config cannot be opened (kept until the screen is mounted, when it is not yet)."""
        self.problems = (path, lines)
        if self.is_mounted:
            self._show_problems()

    def clear_problems(self) -> None:
        self.problems = None
        if self.is_mounted:
            self._show_problems()

    def _show_problems(self) -> None:
        box = self.query_one("#start-problems", Static)
        box.display = self.problems is not None
        if self.problems is None:
            return
        path, lines = self.problems
        parts: list[str | tuple[str, str]] = [(f"{shown_path(path, self.start_dir)} cannot be used yet:", "bold")]
        parts += [f"\n  {line}" for line in lines]
        parts.append(("\nFix it in your editor, then press Enter on it again.", "$text-muted"))
        box.update(plain(*parts))
