"""Export the plan: a folder, the formats, then the paths actually written."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList, Static

from posture.errors import PostureError
from posture.tui.plain import plain
from posture.tui.session import Session
from posture.tui.widgets.footer import Footer

CONSULTANT_ONLY = frozenset({"json"})  # carries the evidence: never in the staff edition
FORMAT_LABELS = {"markdown": "Markdown (.md)", "html": "HTML (.html, prints well)", "json": "JSON (all results)"}


class ExportScreen(ModalScreen[list[Path] | None]):
    HELP: ClassVar[str] = ("Writes the plan with the same writers as `posture scan`, all files at once or none. "
                           "The staff edition never includes the JSON, which carries the evidence.")
    AUTO_FOCUS = "#export-dir"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "write", "Write", priority=True),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, session: Session, audience: str) -> None:
        super().__init__()
        self.session = session
        self.audience = audience
        self.written: list[Path] = []

    def compose(self) -> ComposeResult:
        chosen = set(self.session.default_formats())
        staff = self.audience == "staff"
        # The staff edition never has the JSON: it is not offered, rather than ticked and then not written.
        offered = {fmt: label for fmt, label in FORMAT_LABELS.items() if not (staff and fmt in CONSULTANT_ONLY)}
        with Vertical(id="export-dialog"):
            yield Static(f"Export the plan ({self.audience} edition)", classes="dialog-title")
            yield Label("Folder (Enter writes):")
            yield Input(str(self.session.default_out_dir().resolve()), id="export-dir")
            yield Label("Formats (space toggles):")
            yield SelectionList[str](*[(label, fmt, fmt in chosen) for fmt, label in offered.items()],
                                     id="export-formats")
            note = "The staff edition has no JSON: it would carry the evidence." if self.audience == "staff" else ""
            yield Static(note, id="export-note")
            yield Static(id="export-result")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_write()

    def action_write(self) -> None:
        typed = self.query_one("#export-dir", Input).value.strip()
        result = self.query_one("#export-result", Static)
        if not typed:
            result.update(plain(("Type a folder first.", "$text-error")))
            return
        folder = Path(typed).expanduser()
        formats = self.query_one("#export-formats", SelectionList).selected
        try:
            self.written = self.session.export(folder, formats, self.audience)
        except PostureError as exc:
            result.update(plain(("Nothing was written: ", "bold $text-error"), str(exc)))
            return
        parts: list[str | tuple[str, str]] = [("Written to", "bold $text-success"), f"\n  {folder.resolve()}"]
        parts += [f"\n    {path.name}" for path in self.written]
        parts.append(("\nEscape closes.", "$text-muted"))
        result.update(plain(*parts))
        self.app.notify(f"Plan exported to {folder}", timeout=6)

    def action_close(self) -> None:
        self.dismiss(self.written or None)
