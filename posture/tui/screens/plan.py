"""The plan, rendered from the very Markdown the report writes, in the consultant or the staff edition."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static

from posture.tui.plain import plain
from posture.tui.screens.export import ExportScreen
from posture.tui.session import Session

EDITIONS = {"consultant": "Consultant edition: everything, evidence included",
            "staff": "Staff edition: no addresses, ports, versions, names or evidence"}


class PlanScreen(Screen[None]):
    HELP: ClassVar[str] = ("The action plan exactly as the Markdown report reads. a switches between the "
                           "consultant edition (everything) and the staff edition (safe to hand to employees). "
                           "e exports the plan to Markdown, HTML and JSON and shows where it went.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "audience", "Staff/consultant"),
        Binding("e", "export", "Export"),
        Binding("f", "findings", "Findings"),
        Binding("escape", "leave", "Back", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.assessment = session.assessment
        self.audience = "consultant"
        self.texts: dict[str, str] = {}  # per edition, once rendered into its widget
        self.written: list[Path] = []

    @property
    def text(self) -> str:
        """The Markdown on screen now ("" while it is still being laid out)."""
        return self.texts.get(self.audience, "")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="plan-bar")
        # One scroller per edition: switching back and forth is instant and keeps each one's place.
        for audience in EDITIONS:
            with VerticalScroll(id=f"plan-{audience}", classes="plan-scroll"):
                yield Markdown(open_links=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_edition()

    def show_edition(self) -> None:
        for audience in EDITIONS:
            self.query_one(f"#plan-{audience}").display = audience == self.audience
        self.set_focus(self.query_one(f"#plan-{self.audience}", VerticalScroll))
        self._show_bar()
        if self.audience not in self.texts:
            # Laying out a long plan takes a moment: the screen answers keys meanwhile.
            self.run_worker(self._fill(self.audience), group=f"plan-{self.audience}", exclusive=True)

    async def _fill(self, audience: str) -> None:
        text = self.session.plan_markdown(audience)
        await self.query_one(f"#plan-{audience} Markdown", Markdown).update(text)
        self.texts[audience] = text
        self._show_bar()

    def _show_bar(self) -> None:
        bar = f"{EDITIONS[self.audience]} · a switches"
        if self.audience not in self.texts:
            bar += " · laying out the plan…"
        if self.written:
            folder = self.written[0].parent
            bar += f"\nExported to {folder}: {', '.join(p.name for p in self.written)}"
        self.query_one("#plan-bar", Static).update(plain(bar))  # plain text: a path may hold "["

    def action_audience(self) -> None:
        self.audience = "staff" if self.audience == "consultant" else "consultant"
        self.show_edition()

    def action_export(self) -> None:
        def exported(paths: list[Path] | None) -> None:
            if paths:
                self.written = paths
                self._show_bar()

        self.app.push_screen(ExportScreen(self.session, self.audience), exported)

    def action_findings(self) -> None:
        self.app.show_findings()  # type: ignore[attr-defined]

    def action_leave(self) -> None:
        self.app.pop_screen()

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        # Never launch a browser on the client's machine: show the address to copy instead.
        event.stop()
        self.app.notify(event.href, title="Link", timeout=10)
