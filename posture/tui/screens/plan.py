"""The plan, rendered from the very Markdown the report writes, in the consultant or the staff edition.

Above it, the consultant edition lists the plan's actions with their owner and status, each followed by
the findings behind it: o sets the highlighted action's owner, status, due date and note, x accepts the
highlighted finding's risk. Both are stored in the history as `posture track` and `posture accept` store
them, and the plan below is judged again at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from posture.action_status import STATUS_WORDS
from posture.models import Action
from posture.tui.plain import plain
from posture.tui.screens.export import ExportScreen
from posture.tui.session import Session
from posture.tui.widgets.footer import Footer

EDITIONS = {"consultant": "Consultant edition: everything, evidence included",
            "staff": "Staff edition: no addresses, ports, versions, names or evidence"}


class PlanScreen(Screen[None]):
    HELP: ClassVar[str] = ("The action plan exactly as the Markdown report reads. a switches between the "
                           "consultant edition (everything) and the staff edition (safe to hand to employees). "
                           "In the consultant edition the list above the plan holds its actions, each followed by "
                           "the findings behind it: o sets the highlighted action's owner, status, due date and "
                           "note; x accepts the highlighted finding's risk (a reason and an expiry date). Both are "
                           "kept in the history, as `posture track` and `posture accept` keep them, and the plan "
                           "shows them at once. Tab moves between the list and the plan text. e exports the plan "
                           "to Markdown, HTML and JSON and shows where it went.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "audience", "Staff/consultant"),
        Binding("o", "track", "Track"),
        Binding("x", "accept", "Accept"),
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
        yield OptionList(id="plan-actions")
        # One scroller per edition: switching back and forth is instant and keeps each one's place.
        for audience in EDITIONS:
            with VerticalScroll(id=f"plan-{audience}", classes="plan-scroll"):
                yield Markdown(open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_actions()
        self.show_edition()

    def show_edition(self) -> None:
        for audience in EDITIONS:
            self.query_one(f"#plan-{audience}").display = audience == self.audience
        consultant = self.audience == "consultant"
        actions = self.query_one("#plan-actions", OptionList)
        actions.display = consultant  # addresses and names: never beside the staff edition
        self.set_focus(actions if consultant else self.query_one(f"#plan-{self.audience}", VerticalScroll))
        self._show_bar()
        if self.audience not in self.texts:
            # Laying out a long plan takes a moment: the screen answers keys meanwhile.
            self.run_worker(self._fill(self.audience), group=f"plan-{self.audience}", exclusive=True)

    async def _fill(self, audience: str) -> None:
        text = self.session.plan_markdown(audience)
        await self.query_one(f"#plan-{audience} Markdown", Markdown).update(text)
        self.texts[audience] = text
        self._show_bar()

    def show_actions(self) -> None:
        """One line per action (status, owner, due), then one per finding behind it; the highlight is kept."""
        listing = self.query_one("#plan-actions", OptionList)
        kept = listing.highlighted_option.id if listing.highlighted_option is not None else None
        listing.clear_options()
        plan = self.assessment.plan if self.assessment is not None else None
        options = []
        for action in plan.actions if plan is not None else ():
            options.append(Option(plain(*self._action_line(action)), id=f"action:{action.id}"))
            for finding_id in action.findings:
                finding = self.assessment.finding(finding_id) if self.assessment is not None else None
                title = finding.title if finding is not None else finding_id
                options.append(Option(plain(f"    └ {title}", (f"  {finding_id}", "$text-muted")),
                                      id=f"finding:{action.id}:{finding_id}"))
        if not options:
            options.append(Option("No actions in this plan.", disabled=True))
        listing.add_options(options)
        ids = [o.id for o in options]
        listing.highlighted = ids.index(kept) if kept in ids else 0

    def _action_line(self, action: Action) -> list[str | tuple[str, str]]:
        view = self.assessment.tracking if self.assessment is not None else None
        tracked = view.actions.get(action.id) if view is not None else None
        parts: list[str | tuple[str, str]] = [(f"P{action.priority} ", "bold"), action.title]
        if tracked is None:
            return parts
        status = STATUS_WORDS[tracked.status]
        parts.append(("  · " + status, "bold $text-success" if status == "done" else "bold"))
        if tracked.flag:
            parts.append((f" ({tracked.flag})", "bold $text-warning"))
        parts.append(f" · {tracked.state.owner or 'no owner'}")
        if tracked.due is not None:
            parts.append(f" · due {tracked.due.isoformat()}")
        return parts

    def _show_bar(self) -> None:
        bar = f"{EDITIONS[self.audience]} · a switches"
        if self.audience not in self.texts:
            bar += " · laying out the plan…"
        if self.audience == "consultant":
            view = self.assessment.tracking if self.assessment is not None else None
            blocked = self.session.tracking_blocked
            if blocked:
                bar += f"\nOwners and accepted risks cannot be recorded: {blocked}"
            elif view is not None:
                bar += f"\nProgress: {view.progress.line()} · o track an action · x accept a finding's risk"
        if self.written:
            folder = self.written[0].parent
            bar += f"\nExported to {folder}: {', '.join(p.name for p in self.written)}"
        self.query_one("#plan-bar", Static).update(plain(bar))  # plain text: a path may hold "["

    def _selected(self) -> tuple[str, str] | None:
        """(action id, finding id or "") of the highlighted line."""
        option = self.query_one("#plan-actions", OptionList).highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, rest = option.id.partition(":")
        action_id, _, finding_id = rest.partition(":")
        return (action_id, finding_id) if kind in ("action", "finding") else None

    def _can_track(self) -> tuple[str, str] | None:
        if self.audience != "consultant":
            self.app.notify("Owners and accepted risks are set in the consultant edition: press a.",
                            severity="warning")
            return None
        blocked = self.session.tracking_blocked
        if blocked:
            self.app.notify(f"Nothing can be recorded: {blocked}.", severity="warning", timeout=8)
            return None
        selected = self._selected()
        if selected is None:
            self.app.notify("This plan has no action to track.", severity="warning")
        return selected

    def action_track(self) -> None:
        from posture.tui.screens.tracking import TrackActionScreen

        selected = self._can_track()
        if selected is None or self.assessment is None or self.assessment.plan is None:
            return
        action = next(a for a in self.assessment.plan.actions if a.id == selected[0])
        self.app.push_screen(TrackActionScreen(self.session, action), self._recorded)

    def action_accept(self) -> None:
        from posture.tui.screens.tracking import AcceptRiskScreen

        selected = self._can_track()
        if selected is None or self.assessment is None or self.assessment.plan is None:
            return
        action_id, finding_id = selected
        if not finding_id:
            action = next(a for a in self.assessment.plan.actions if a.id == action_id)
            if len(action.findings) != 1:
                why = ("no finding triggered it: there is no risk to accept" if not action.findings
                       else "highlight one of the findings listed under it (↓)")
                self.app.notify(f"{action.title}: {why}.", severity="warning", timeout=8)
                return
            finding_id = action.findings[0]
        finding = self.assessment.finding(finding_id)
        if finding is not None:
            self.app.push_screen(AcceptRiskScreen(self.session, finding), self._recorded)

    def _recorded(self, changed: bool | None) -> None:
        """A form stored something: the plan is judged again; show the new lines, counts and both editions."""
        if not changed:
            return
        self.texts.clear()
        self.show_actions()
        self.show_edition()

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
