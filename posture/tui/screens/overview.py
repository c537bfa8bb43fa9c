"""The overview: who is assessed, in which mode, what may be scanned, and which checks will read what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, SelectionList, Static

from posture.config import Config
from posture.errors import PostureError
from posture.tui.host import Host
from posture.tui.plain import plain
from posture.tui.screens.start import shown_path
from posture.tui.session import CheckOutline, Session
from posture.tui.widgets.footer import Footer
from posture.tui.widgets.label_rows import LabelRows


def when(discovered: date, today: date) -> str:
    days = (today - discovered).days
    if days < 0:
        return "a date still to come: check the config"
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"


def summary(config: Config, path: Path, history_note: str, today: date) -> list[tuple[str, Content]]:
    """(label, value) rows: who, which mode, what may be scanned and by whose leave, what came before."""
    org = config.organization
    about = [org.name, org.industry] + ([", ".join(d.replace("_", " ") for d in org.customer_data)]
                                        if org.customer_data else [])
    rows: list[tuple[str, str | tuple[str, str]]] = [("Organization", " · ".join(x for x in about if x))]
    if config.incident is not None:
        inc = config.incident
        kind = inc.kind.replace("_", " ")
        rows.append(("Mode", (f"Post-incident: {kind} discovered {inc.discovered} ({when(inc.discovered, today)})",
                              "bold $text-warning")))
    else:
        rows.append(("Mode", "Readiness review: no incident declared"))
    targets = config.scope.targets
    scope = ", ".join(f"{t.label} [{t.exposure}]" for t in targets) if targets else "no network targets"
    if config.scope.exclude:
        scope += f"; never scanned: {', '.join(config.scope.exclude)}"
    rows.append(("Scope", scope))
    if config.scope.authorization:
        rows.append(("Authorised by", config.scope.authorization))
    elif targets:
        rows.append(("Authorised by", ("nobody is named: get the owner's permission before scanning",
                                       "bold $text-error")))
    rows.append(("History", history_note))
    rows.append(("Config", str(path)))
    return [(label, plain(value)) for label, value in rows]


class OverviewScreen(Screen[None]):
    HELP: ClassVar[str] = ("Check what will be assessed before running: the mode, the scope and who authorised "
                           "it. Space toggles a check for this run; the pane below the list says what the "
                           "highlighted check will read or probe. Candidate passwords for the password check "
                           "stay in memory only. r runs the selected checks.")
    AUTO_FOCUS = "#checks"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("R", "reload", "Reload config", key_display="R"),
        Binding("o", "open_another", "Other config"),
        Binding("escape", "leave", "Back"),
        Binding("ctrl+d", "forget_passwords", "Forget passwords", show=False),
    ]

    def __init__(self, session: Session, path: Path) -> None:
        super().__init__()
        self.session = session
        self.path = path
        self.outlines: dict[str, CheckOutline] = {}
        # The outline the evidence pane shows: the highlight event for the first check, which comes after the
        # first frame, would otherwise lay the screen out again for the same text.
        self._evidence_for: CheckOutline | None = None

    @property
    def posture_app(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        # Every widget is composed as the first frame shows it (rows, evidence, held passwords): a value set
        # after mounting would cost the first paint another layout.
        yield Header()
        with VerticalScroll(id="overview"):
            yield LabelRows(self._summary_rows(), id="summary")
            yield Static("Checks to run (space toggles)", classes="section-title")
            if self.session.config is not None:
                self.outlines = {o.id: o for o in self.session.outline()}
            checks = SelectionList[str](*[(f"{o.title}  ({o.id})", o.id, o.id in self.session.selected)
                                          for o in self.outlines.values()], id="checks")
            if self.outlines:
                checks.highlighted = 0
            yield checks
            first = self._evidence_for = next(iter(self.outlines.values()), None)
            yield Static(self._evidence(first) if first else "", id="evidence")
            passwords = Vertical(id="passwords")
            passwords.display = self.session.config is not None and self.session.wants_passwords
            with passwords:
                yield Static("Candidate passwords for the password check: typed here, kept in memory for this "
                             "session only, never written or shown again.", classes="section-title")
                with Horizontal(id="password-row"):
                    yield Input(placeholder="whose (e.g. front desk)", id="password-label")
                    yield Input(placeholder="password, then Enter", password=True, id="password-value")
                yield Static(self._held(), id="passwords-held")
        yield Footer()

    def on_mount(self) -> None:
        # Focusing the check list must not scroll the organization line off a short terminal.
        self.call_after_refresh(self.query_one("#overview", VerticalScroll).scroll_home, animate=False)

    def show_history(self) -> None:
        """The summary rows again, History included (called after each run, so that line is never stale)."""
        rows = next(self.query("#summary").results(LabelRows), None)
        if rows is not None:
            rows.set_rows(self._summary_rows())

    def _summary_rows(self) -> list[tuple[str, Content]]:
        config = self.session.config
        if config is None:
            return []
        today = (self.session.now or datetime.now(UTC)).date()
        return summary(config, Path(shown_path(self.path, self.posture_app.start_dir)), self.session.history_note,
                       today)

    def on_selection_list_selection_highlighted(self, event: SelectionList.SelectionHighlighted[str]) -> None:
        outline = self.outlines.get(str(event.selection.value))
        if outline is not None and outline is not self._evidence_for:
            self._evidence_for = outline
            self.query_one("#evidence", Static).update(self._evidence(outline))

    @staticmethod
    def _evidence(outline: CheckOutline) -> Content:
        lines = outline.evidence or ("nothing outside the config",)
        parts: list[str | tuple[str, str]] = [(f"{outline.title} reads:", "bold")]
        parts += [f"\n  • {line}" for line in lines]
        if outline.description:
            parts.append((f"\n{outline.description}", "$text-muted"))
        return plain(*parts)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        self.session.selected = set(event.selection_list.selected)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "password-label":
            self.set_focus(self.query_one("#password-value", Input))
            return
        if event.input.id != "password-value":
            return
        label_input = self.query_one("#password-label", Input)
        try:
            self.session.add_candidate_password(label_input.value, event.input.value)
        except PostureError as exc:
            self.app.notify(str(exc), severity="warning")
            return
        event.input.value = ""  # never kept in a widget once handed over
        label_input.value = ""
        # Back to the check list, so the next key is a command again: r runs, it is not typed into a label.
        self.set_focus(self.query_one("#checks", SelectionList))
        self._show_held()
        self.app.notify("Password held in memory. Enter another in the fields above, or press r to run.")

    def _show_held(self) -> None:
        self.query_one("#passwords-held", Static).update(self._held())

    def _held(self) -> Content:
        held = self.session.secrets.candidate_passwords
        text = ("None yet: the check still judges the policy without them." if not held else
                f"{len(held)} held in memory: {', '.join(label for label, _ in held)}  (ctrl+d forgets them)")
        return plain(text)  # labels are typed in: never markup

    def action_forget_passwords(self) -> None:
        self.session.forget_passwords()
        self._show_held()
        self.app.notify("Candidate passwords forgotten.")

    def action_run(self) -> None:
        self.posture_app.start_run()

    def action_reload(self) -> None:
        if self.posture_app.running:
            self.app.notify("Finish or cancel the run first.", severity="warning")
            return
        if self.posture_app.open_config(self.path):
            self.app.notify("Config reloaded.")

    def action_open_another(self) -> None:
        self.posture_app.open_another()

    def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(self.query_one("#checks", SelectionList))
        else:
            self.action_open_another()
